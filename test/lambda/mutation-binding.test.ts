/**
 * Custom::PhoneNumberFlowBinding: behaviours that mutation testing (npm run mutation, docs/mutation.md)
 * found no test deciding. Each asserts an outcome (the number's flows and tags in the emulator, the
 * handler's answer, the error named), not the calls made.
 */
import { FlowBindingTimedOutError } from '../../lambda/resources/phone-number-flow-binding';
import { AssociatePhoneNumberContactFlowCommand, ConnectClient } from '@aws-sdk/client-connect';
import type { PhoneNumberFlowBindingProperties } from '../../lambda/contract';
import * as flowIntent from '../../lambda/flow-intent';
import { BINDING_TAG, FLOW_TAG, PRIOR_BINDING_TAG, PRIOR_FLOW_TAG } from '../../lambda/flow-intent';
import { createManualClock, type Emulator } from '../../local/emulator';
import {
  BINDING,
  bindingProps,
  createEvent,
  deleteEvent,
  mutating,
  onEventCompletingCreates,
  operations,
  REGION,
  STACK_NAME,
  startTestEmulator,
  stubStackState,
  updateEvent,
} from './fixtures';

const onEvent = onEventCompletingCreates;
const INST_1 = '11111111-1111-4111-8111-111111111111';
const FLOW_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const FLOW_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

describe('Custom::PhoneNumberFlowBinding, outcomes found by mutation testing', () => {
  const stackState = stubStackState();
  let emulator: Emulator;
  let instanceArn: string;
  let flowA: string;
  let flowB: string;
  let numberArn: string;
  const numberState = () => emulator.snapshot().claimed.find((n) => n.phoneNumberArn === numberArn);
  const intentTags = () =>
    Object.fromEntries(Object.entries(numberState()?.tags ?? {}).filter(([k]) => k.startsWith('cdk-phone-numbers:')));

  beforeEach(async () => {
    emulator = await startTestEmulator({ clock: createManualClock() });
    instanceArn = emulator.seedInstance({ instanceId: INST_1 });
    flowA = emulator.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_A });
    flowB = emulator.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_B });
    numberArn = emulator.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  describe('FlowBindingTimedOutError', () => {
    const props = () => bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA }) as unknown as PhoneNumberFlowBindingProperties;

    it('says the number is not found when there is no number to describe, with the minutes waited', () => {
      const err = new FlowBindingTimedOutError(props(), undefined, 45 * 60000 + 20000);
      expect(err.name).toBe('FlowBindingTimedOutError');
      expect(err.message).toBe(
        `the number '${numberArn}' did not arrive in the instance of the flow '${flowA}' within 45 minutes (it is not found). ` +
          'Claim or move the number to that instance (ClaimedPhoneNumber targetArn), or bind a flow of the instance the number is in.',
      );
    });

    it('says what it knows of a number described without a status or a target', () => {
      const err = new FlowBindingTimedOutError(props(), { PhoneNumberArn: numberArn }, 30 * 60000);
      expect(err.message).toContain("within 30 minutes (it is in an unknown state in '?')");
    });
  });

  describe('recording the intent', () => {
    it('drops prior-* tags left from an earlier takeover when it takes over a number no binding owns', async () => {
      // GIVEN a number no binding owns, unbound, still carrying prior-* tags of a takeover long finished
      numberArn = emulator.seedClaimedNumber({
        phoneNumber: '+12065550101',
        targetArn: instanceArn,
        tags: { [PRIOR_BINDING_TAG]: `${STACK_NAME}/Gone`, [PRIOR_FLOW_TAG]: flowB },
      });
      // WHEN a binding is created
      await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
      // THEN the number records this binding and its flow only: a rollback would put back nothing stale
      expect(intentTags()).toEqual({ [FLOW_TAG]: flowA, [BINDING_TAG]: `${STACK_NAME}/Resource` });
      expect(numberState()?.flows).toEqual({ [INST_1]: FLOW_A });
    });
  });

  describe('reading and untagging the number', () => {
    const props = () => bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const refuse = (operation: string, errorName: string, status: number) =>
      emulator.injectFault({ kind: 'error', operation, errorName, status, message: `${operation} refused`, times: 10 });

    it('fails a create of a number not claimed in this account, naming the number and the fix', async () => {
      const gone = numberArn.replace(/phone-number\/.*/, 'phone-number/00000000-0000-4000-8000-000000000000');
      await expect(onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: gone, ContactFlowArn: flowA })))).rejects.toThrow(
        `the number '${gone}' is not claimed in this account; claim it (ClaimedPhoneNumber) before binding it to a flow.`,
      );
    });

    it('fails a create with the refusal itself when the number cannot be read for another reason than not-found', async () => {
      refuse('DescribePhoneNumber', 'AccessDeniedException', 403);
      await expect(onEvent(createEvent(BINDING, props()))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(numberState()?.flows).toEqual({});
    });

    it('fails a delete, the number still bound, when its tags cannot be read for another reason than not-found', async () => {
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props()));
      refuse('ListTagsForResource', 'AccessDeniedException', 403);
      await expect(onEvent(deleteEvent(BINDING, id, props()))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(numberState()?.flows).toEqual({ [INST_1]: FLOW_A });
    });

    it('completes a delete when the number is gone by the time its tags are removed', async () => {
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props()));
      refuse('UntagResource', 'ResourceNotFoundException', 404);
      await expect(onEvent(deleteEvent(BINDING, id, props()))).resolves.toEqual({ PhysicalResourceId: id });
      expect(numberState()?.flows).toEqual({});
    });

    it('fails a delete when its tags cannot be removed for another reason, so that the retry removes them', async () => {
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props()));
      refuse('UntagResource', 'AccessDeniedException', 403);
      await expect(onEvent(deleteEvent(BINDING, id, props()))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(intentTags()).toEqual({ [FLOW_TAG]: flowA, [BINDING_TAG]: `${STACK_NAME}/Resource` });
    });
  });

  describe('a number already bound', () => {
    it('a replayed create makes no change when the number is bound to its flow and records it already', async () => {
      const event = createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA }));
      await onEvent(event);
      emulator.clearCalls();
      await onEvent(event);
      expect(operations(emulator, mutating)).toEqual([]);
      expect(numberState()?.flows).toEqual({ [INST_1]: FLOW_A });
    });

    it('records the flow it took over as a full ARN when the service reports the bound flow by its id', async () => {
      // GIVEN the number bound to flow B by hand (no binding's tags on it), and a service that names the bound flow by id
      const client = new ConnectClient({ region: REGION });
      await client.send(
        new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: numberArn, InstanceId: INST_1, ContactFlowId: FLOW_B }),
      );
      client.destroy();
      const byId = jest.spyOn(flowIntent, 'boundFlow').mockResolvedValue(FLOW_B);
      // WHEN a binding takes it over
      await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
      expect(byId).toHaveBeenCalled();
      // THEN the earlier flow is recorded by its full ARN, as a rollback needs it
      expect(intentTags()[PRIOR_FLOW_TAG]).toBe(flowB);
    });
  });

  describe('rolling back', () => {
    it('completes a rollback update whose number was released by hand: nothing to bind, nothing wedged', async () => {
      // GIVEN a binding whose number is no longer claimed (released by hand), and the stack rolling back
      const gone = numberArn.replace(/phone-number\/.*/, 'phone-number/00000000-0000-4000-8000-000000000000');
      const old = bindingProps({ PhoneNumberArn: gone, ContactFlowArn: flowB });
      stackState.rollingBack.mockResolvedValue(true);
      // WHEN the rollback's update puts the earlier flow back THEN it completes, same physical id
      const id = `${gone}/contact-flow-binding`;
      await expect(onEvent(updateEvent(BINDING, id, { ...old, ContactFlowArn: flowA }, old))).resolves.toMatchObject({
        PhysicalResourceId: id,
      });
    });
  });
});
