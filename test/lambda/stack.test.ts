/**
 * lambda/stack.ts: the stack's own state, read through the real CloudFormation client from the
 * emulator's stack directory.
 */
import { ResourceTypes } from '../../lambda/contract';
import { isRollingBack, otherDeclarations, stackStatus } from '../../lambda/stack';
import { UNRESOLVED } from '../../lambda/stack-template';
import type { StackState } from '../../local/deploy';
import type { Emulator } from '../../local/emulator';
import { ACCOUNT, REGION, STACK_ID, STACK_NAME, startTestEmulator } from './fixtures';

const FLOW = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/11111111-1111-4111-8111-111111111111/contact-flow/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa`;
const NUMBER = `arn:aws:connect:${REGION}:${ACCOUNT}:phone-number/b0000000-0000-4000-8000-00000000000b`;

describe('the stack module', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => emulator.stop());

  function publish(status: StackState['status'], physicalIds: Record<string, string> = {}): void {
    emulator.stacks.publish({
      stackId: STACK_ID,
      stackName: STACK_NAME,
      region: REGION,
      accountId: ACCOUNT,
      status,
      creationTime: 0,
      template: {
        Resources: {
          Number: { Type: ResourceTypes.CLAIMED_PHONE_NUMBER, Properties: { ServiceToken: 'x' } },
          Old: {
            Type: ResourceTypes.PHONE_NUMBER_FLOW_BINDING,
            Properties: { ServiceToken: 'x', PhoneNumberArn: NUMBER, ContactFlowArn: FLOW },
          },
          New: {
            Type: ResourceTypes.PHONE_NUMBER_FLOW_BINDING,
            Properties: { ServiceToken: 'x', PhoneNumberArn: { 'Fn::GetAtt': ['Number', 'PhoneNumberArn'] }, ContactFlowArn: FLOW },
          },
        },
      },
      resources: Object.entries(physicalIds).map(([logicalResourceId, physicalResourceId]) => ({
        logicalResourceId,
        physicalResourceId,
        resourceType: ResourceTypes.CLAIMED_PHONE_NUMBER,
        resourceStatus: 'CREATE_COMPLETE' as const,
        timestamp: 0,
      })),
    });
  }

  it('reads an unknown stack as undefined (the handler outside a stack operation)', async () => {
    expect(
      await stackStatus('arn:aws:cloudformation:us-east-1:123456789012:stack/Nope/00000000-0000-4000-8000-000000000000'),
    ).toBeUndefined();
  });

  it('tells a rollback from a forward operation', async () => {
    publish('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(await isRollingBack(STACK_ID)).toBe(true);
    publish('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(await isRollingBack(STACK_ID)).toBe(false);
  });

  it("resolves the other declarations of a type: literals, and a ClaimedPhoneNumber's ARN from its physical id", async () => {
    publish('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', { Number: NUMBER });
    const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old');
    expect(others).toEqual([{ logicalId: 'New', properties: { PhoneNumberArn: NUMBER, ContactFlowArn: FLOW } }]);
  });

  it('reads what it cannot resolve as UNRESOLVED', async () => {
    publish('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old');
    expect(others?.[0].properties.PhoneNumberArn).toBe(UNRESOLVED);
  });

  it('reads the physical ids of a stack of more than 100 resources (DescribeStackResources answers only the first 100)', async () => {
    // 150 numbers before the one the binding names: its physical id is the 151st resource of the stack.
    const filler = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`Filler${i}`, `${NUMBER.slice(0, -3)}${String(i).padStart(3, '0')}`]),
    );
    publish('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', { ...filler, Number: NUMBER });
    const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old');
    expect(others).toEqual([{ logicalId: 'New', properties: { PhoneNumberArn: NUMBER, ContactFlowArn: FLOW } }]);
  });

  describe('during an update rollback, given the asking event (GetTemplate may serve either template)', () => {
    const ANYTHING = [{ logicalId: '', properties: { PhoneNumberArn: UNRESOLVED, ContactFlowArn: UNRESOLVED } }];
    const oldBinding = { ServiceToken: 'x', PhoneNumberArn: NUMBER, ContactFlowArn: FLOW };

    it.each(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'] as const)(
      'in %s, a Delete of a resource the template declares: anything may be declared',
      async (status) => {
        publish(status, { Number: NUMBER });
        const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old', {
          RequestType: 'Delete',
          ResourceProperties: oldBinding,
        });
        expect(others).toEqual(ANYTHING);
      },
    );

    it('a rollback Update back to what the template declares: the declarations as read', async () => {
      publish('UPDATE_ROLLBACK_IN_PROGRESS', { Number: NUMBER });
      const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old', {
        RequestType: 'Update',
        ResourceProperties: oldBinding,
      });
      expect(others).toEqual([{ logicalId: 'New', properties: { PhoneNumberArn: NUMBER, ContactFlowArn: FLOW } }]);
    });

    it('a rollback Update from what the template declares (the failed declaration): anything may be declared', async () => {
      publish('UPDATE_ROLLBACK_IN_PROGRESS', { Number: NUMBER });
      const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old', {
        RequestType: 'Update',
        ResourceProperties: { ...oldBinding, ContactFlowArn: `${FLOW.slice(0, -1)}b` },
        OldResourceProperties: oldBinding,
      });
      expect(others).toEqual(ANYTHING);
    });

    it('a rollback Update whose declarations the template matches neither: the declarations as read', async () => {
      publish('UPDATE_ROLLBACK_IN_PROGRESS', { Number: NUMBER });
      const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old', {
        RequestType: 'Update',
        ResourceProperties: { ...oldBinding, ContactFlowArn: `${FLOW.slice(0, -1)}b` },
        OldResourceProperties: { ...oldBinding, ContactFlowArn: `${FLOW.slice(0, -1)}c` },
      });
      expect(others).toEqual([{ logicalId: 'New', properties: { PhoneNumberArn: NUMBER, ContactFlowArn: FLOW } }]);
    });

    it('outside a rollback, a Delete of a resource the template declares: the declarations as read', async () => {
      publish('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', { Number: NUMBER });
      const others = await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old', {
        RequestType: 'Delete',
        ResourceProperties: oldBinding,
      });
      expect(others).toEqual([{ logicalId: 'New', properties: { PhoneNumberArn: NUMBER, ContactFlowArn: FLOW } }]);
    });
  });

  it('declares nothing while the whole stack is being deleted', async () => {
    publish('DELETE_IN_PROGRESS', { Number: NUMBER });
    expect(await otherDeclarations(STACK_ID, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, 'Old')).toEqual([]);
  });
});
