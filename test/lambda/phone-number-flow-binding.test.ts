import { Logger } from '@aws-lambda-powertools/logger';
import {
  AssociatePhoneNumberContactFlowCommand,
  ConnectClient,
  DescribePhoneNumberCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePhoneNumberCommand,
  type ClaimedPhoneNumberSummary,
} from '@aws-sdk/client-connect';
import { BINDING_TAG, bindDeclaredFlow, FLOW_TAG, PRIOR_BINDING_TAG, PRIOR_FLOW_TAG } from '../../lambda/flow-intent';
import { MAX_ATTEMPTS, MAX_THROTTLED_ATTEMPTS } from '../../lambda/clients';
import { isComplete, onEvent as handlerOnEvent } from '../../lambda/index';
import { RETRY_LATER_KEY } from '../../lambda/retry-later';
import { DEFAULT_COMPLETION_TIMEOUT_MS } from '../../lambda/deadline';
import { bindingPhysicalId } from '../../lambda/resources/phone-number-flow-binding';
import { UNRESOLVED } from '../../lambda/stack-template';
import { createManualClock, type Emulator } from '../../local/emulator';
import {
  afterOnEvent,
  ALT_REGION,
  BINDING,
  bindingProps,
  createEvent,
  deleteEvent,
  mutating,
  operations,
  REGION,
  STACK_NAME,
  startTestEmulator,
  updateEvent,
  onEventCompletingCreates,
  runToCompletion,
  stubStackState,
} from './fixtures';

const onEvent = onEventCompletingCreates;

describe('Custom::PhoneNumberFlowBinding', () => {
  // The stack as CloudFormation reports it (lambda/stack): see stubStackState.
  const stackState = stubStackState();

  let emulator: Emulator;
  let instanceArn: string;
  let otherInstanceArn: string;
  let flowA: string;
  let flowB: string;
  let flowOther: string;
  let numberArn: string;
  const flows = () => emulator.snapshot().claimed.find((n) => n.phoneNumberArn === numberArn)?.flows;

  beforeEach(async () => {
    emulator = await startTestEmulator({ clock: createManualClock() });
    instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    otherInstanceArn = emulator.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
    flowA = emulator.seedContactFlow({
      instanceId: '11111111-1111-4111-8111-111111111111',
      contactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    });
    flowB = emulator.seedContactFlow({
      instanceId: '11111111-1111-4111-8111-111111111111',
      contactFlowId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
    });
    flowOther = emulator.seedContactFlow({
      instanceId: '22222222-2222-4222-8222-222222222222',
      contactFlowId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
    });
    numberArn = emulator.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('answers the flow it binds as the ContactFlowArn attribute on a create and an update, none on a delete', async () => {
    const created = await runToCompletion(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
    expect(created.response.Data).toEqual({ ContactFlowArn: flowA, PhoneNumberArn: numberArn });
    const id = created.response.PhysicalResourceId;
    const updated = await runToCompletion(
      updateEvent(
        BINDING,
        id,
        bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowB }),
        bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA }),
      ),
    );
    expect(updated.response.Data).toEqual({ ContactFlowArn: flowB, PhoneNumberArn: numberArn });
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
    const deleted = await runToCompletion(deleteEvent(BINDING, id, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowB })));
    expect(deleted.isComplete.Data).toBeUndefined();
  });

  it("binds the number by its full ARN in the flow's instance, with a physical id derived from the number", async () => {
    const r = await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
    expect(r.PhysicalResourceId).toBe(bindingPhysicalId(numberArn));
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    const call = emulator.calls().find((c) => c.operation === 'AssociatePhoneNumberContactFlow');
    expect(call?.input).toMatchObject({
      PhoneNumberId: numberArn,
      InstanceId: '11111111-1111-4111-8111-111111111111',
      ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    });
  });

  it('succeeds again with the same result when the same event is delivered twice', async () => {
    const event = createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA }));
    const first = await onEvent(event);
    await expect(onEvent(event)).resolves.toEqual(first);
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
  });

  it('changes the flow in place: same physical id, no replacement', async () => {
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    const r = await onEvent(updateEvent(BINDING, id, { ...old, ContactFlowArn: flowB }, old));
    expect(r.PhysicalResourceId).toBe(id);
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
  });

  it('reads the number and its flow association once each to bind it (a fleet binds every number at once, under per-API quotas)', async () => {
    // GIVEN a number bound to nothing, owned by no binding
    emulator.clearCalls();
    // WHEN a binding is created (onEvent, then isComplete)
    await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
    // THEN one read of each kind: the intent's prior flow and "bound already?" share one BatchGetFlowAssociation
    expect(operations(emulator).sort()).toEqual([
      'AssociatePhoneNumberContactFlow',
      'BatchGetFlowAssociation',
      'DescribePhoneNumber',
      'TagResource',
    ]);
  });

  it("binds without reading the number when it carries its ClaimedPhoneNumber's target, the flow's instance (CloudFormation created it first)", async () => {
    emulator.clearCalls();
    // WHEN a binding of a number whose resource answered this instance as its target is created
    await onEvent(
      createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA, PhoneNumberTargetArn: instanceArn })),
    );
    // THEN it reads the tags only (ListTagsForResource, a quota of its own), not DescribePhoneNumber
    expect(operations(emulator).sort()).toEqual([
      'AssociatePhoneNumberContactFlow',
      'BatchGetFlowAssociation',
      'ListTagsForResource',
      'TagResource',
    ]);
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
  });

  it('reads the number after all when the service refuses the binding where the number was declared', async () => {
    // GIVEN the binding is refused once (the number was moved by hand since its resource completed)
    emulator.injectFault({
      kind: 'error',
      operation: 'AssociatePhoneNumberContactFlow',
      errorName: 'ResourceNotFoundException',
      status: 404,
      message: 'The phone number is not in this instance',
      times: 1,
    });
    emulator.clearCalls();
    await onEvent(
      createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA, PhoneNumberTargetArn: instanceArn })),
    );
    // THEN it read where the number is, and bound it there
    expect(operations(emulator, (op) => op === 'DescribePhoneNumber')).toHaveLength(1);
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
  });

  it('changes the flow with one read, the tag and the association; isComplete then answers without a call', async () => {
    // GIVEN a number bound to flow A by this binding
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    emulator.clearCalls();
    // WHEN its flow changes to B (onEvent, then isComplete)
    const { polls, response } = await runToCompletion(updateEvent(BINDING, id, { ...old, ContactFlowArn: flowB }, old));
    // THEN the number is read once; its recorded flow (A) says it does not ring B: no BatchGetFlowAssociation
    expect(operations(emulator).sort()).toEqual(['AssociatePhoneNumberContactFlow', 'DescribePhoneNumber', 'TagResource']);
    expect(polls).toBe(1);
    expect(response.Data).toEqual({ ContactFlowArn: flowB, PhoneNumberArn: numberArn });
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
  });

  it('reads whether the number rings the flow before associating when its recorded flow is that flow already', async () => {
    // GIVEN a binding's update to flow B that was delivered once already (the tag says B)
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    const change = updateEvent(BINDING, id, { ...old, ContactFlowArn: flowB }, old);
    await onEvent(change);
    emulator.clearCalls();
    // WHEN it is delivered again
    await onEvent(change);
    // THEN it reads the association and, bound already, does not associate again
    expect(operations(emulator).sort()).toEqual(['BatchGetFlowAssociation', 'DescribePhoneNumber']);
  });

  it('makes no call when nothing changed', async () => {
    const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
    emulator.clearCalls();
    await onEvent(updateEvent(BINDING, id, props, props));
    expect(operations(emulator)).toEqual([]);
  });

  it('rolls back a flow change (old and new swapped) to the old flow', async () => {
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const next = { ...old, ContactFlowArn: flowB };
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    await onEvent(updateEvent(BINDING, id, next, old));
    await onEvent(updateEvent(BINDING, id, old, next));
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
  });

  it('replaces when the number changes; the cleanup Delete with the old properties leaves the new binding alone', async () => {
    const second = emulator.seedClaimedNumber({ phoneNumber: '+12065550101', targetArn: instanceArn });
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
    const next = bindingProps({ PhoneNumberArn: second, ContactFlowArn: flowA });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    const r = await onEvent(updateEvent(BINDING, id, next, old));
    expect(r.PhysicalResourceId).toBe(bindingPhysicalId(second));
    await onEvent(deleteEvent(BINDING, id, old));
    const snap = emulator.snapshot().claimed;
    expect(snap.find((n) => n.phoneNumberArn === numberArn)?.flows).toEqual({});
    expect(snap.find((n) => n.phoneNumberArn === second)?.flows).toEqual({
      '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    });
  });

  it('associates again in the new target after the number moved, in place', async () => {
    // GIVEN a binding in instance 1
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA, PhoneNumberTargetArn: instanceArn });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    // WHEN the number moved to instance 2 (its association did not follow) and the binding names a flow there
    const { ConnectClient, UpdatePhoneNumberCommand } = await import('@aws-sdk/client-connect');
    await new ConnectClient({ region: 'us-east-1' }).send(
      new UpdatePhoneNumberCommand({ PhoneNumberId: numberArn, TargetArn: otherInstanceArn }),
    );
    const next = { ...old, ContactFlowArn: flowOther, PhoneNumberTargetArn: otherInstanceArn };
    const r = await onEvent(updateEvent(BINDING, id, next, old));
    // THEN the number is bound in instance 2, same physical id
    expect(r.PhysicalResourceId).toBe(id);
    expect(flows()).toEqual({ '22222222-2222-4222-8222-222222222222': 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' });
  });

  it('associates again, in place, after the number moved to a traffic distribution group of the same instance', async () => {
    // GIVEN a binding while the number is claimed to instance 1
    const tdgArn = emulator.seedTrafficDistributionGroup({
      trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
      alternateRegion: ALT_REGION,
      instanceArn,
    });
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA, PhoneNumberTargetArn: instanceArn });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    // WHEN the number moved to the TDG (its association did not follow) and the binding's target changes with it
    const { ConnectClient, UpdatePhoneNumberCommand } = await import('@aws-sdk/client-connect');
    const client = new ConnectClient({ region: 'us-east-1' });
    await client.send(new UpdatePhoneNumberCommand({ PhoneNumberId: numberArn, TargetArn: tdgArn }));
    client.destroy();
    expect(flows()).toEqual({});
    emulator.clearCalls();
    const r = await onEvent(updateEvent(BINDING, id, { ...old, PhoneNumberTargetArn: tdgArn }, old));
    // THEN the number is bound to the same flow again, same physical id, and nothing was unbound
    expect(r.PhysicalResourceId).toBe(id);
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    expect(operations(emulator, mutating)).toEqual(['AssociatePhoneNumberContactFlow']);
  });

  it("binds from a traffic distribution group's alternate region using the full ARN", async () => {
    // GIVEN a number claimed to a TDG of instance 1, and the instance's replica (same id) in the alternate region
    emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111', region: ALT_REGION });
    const tdgArn = emulator.seedTrafficDistributionGroup({
      trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
      alternateRegion: ALT_REGION,
      instanceArn,
    });
    const tdgNumber = emulator.seedClaimedNumber({ phoneNumber: '+12065550199', targetArn: tdgArn });
    const westFlow = emulator.seedContactFlow({
      instanceId: '11111111-1111-4111-8111-111111111111',
      contactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
      region: ALT_REGION,
    });
    // WHEN it is bound to a flow of the alternate region THEN the call goes there, by full ARN, and succeeds
    await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: tdgNumber, ContactFlowArn: westFlow })));
    const call = emulator.calls().find((c) => c.operation === 'AssociatePhoneNumberContactFlow');
    expect(call).toMatchObject({ region: ALT_REGION, status: 200, input: { PhoneNumberId: tdgNumber } });
  });

  describe('delete', () => {
    it('unbinds the number while it is bound to this flow', async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      await onEvent(deleteEvent(BINDING, id, props));
      expect(flows()).toEqual({});
    });

    it("reads only the number's tags to know it owns the number, not its description (which the numbers' own Deletes poll)", async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      emulator.clearCalls();
      await onEvent(deleteEvent(BINDING, id, props));
      expect(flows()).toEqual({});
      expect(operations(emulator)).toEqual([
        'ListTagsForResource',
        'BatchGetFlowAssociation',
        'DisassociatePhoneNumberContactFlow',
        'UntagResource',
      ]);
    });

    it('leaves the number alone when it is bound to another flow now', async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      await onEvent(createEvent(BINDING, { ...props, ContactFlowArn: flowB }, 'Other'));
      emulator.clearCalls();
      await onEvent(deleteEvent(BINDING, id, props));
      expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
      expect(operations(emulator, mutating)).toEqual([]);
    });

    it('succeeds when the number is gone', async () => {
      const props = bindingProps({
        PhoneNumberArn: numberArn.replace(/phone-number\/.*/, 'phone-number/00000000-0000-4000-8000-000000000000'),
        ContactFlowArn: flowA,
      });
      await expect(onEvent(deleteEvent(BINDING, 'x', props))).resolves.toEqual({ PhysicalResourceId: 'x' });
    });

    it('treats a not-found disassociation as success', async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      emulator.injectFault({
        kind: 'error',
        operation: 'DisassociatePhoneNumberContactFlow',
        errorName: 'ResourceNotFoundException',
        status: 404,
        message: 'gone',
      });
      await expect(onEvent(deleteEvent(BINDING, id, props))).resolves.toMatchObject({ PhysicalResourceId: id });
    });
    it('fails when the disassociation is refused for another reason than not-found, the number still bound', async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      emulator.injectFault({
        kind: 'error',
        operation: 'DisassociatePhoneNumberContactFlow',
        errorName: 'AccessDeniedException',
        status: 403,
        message: 'not allowed to disassociate',
      });
      await expect(onEvent(deleteEvent(BINDING, id, props))).rejects.toThrow(/not allowed to disassociate/);
      expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    });
  });

  // Realistic ids (UUIDs), as the real service requires; numbers that move between instances.
  describe('with realistic instances', () => {
    const INST_1 = '11111111-1111-4111-8111-111111111111';
    const INST_2 = '22222222-2222-4222-8222-222222222222';
    const FLOW_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
    const FLOW_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
    const FLOW_C = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    let clock: ReturnType<typeof createManualClock>;
    let inst1: string;
    let inst2: string;
    let a: string; // flows of instance 1
    let b: string;
    let c: string; // flow of instance 2
    let number: string;
    let client: ConnectClient;
    const flowsOf = () => emulator.snapshot().claimed.find((n) => n.phoneNumberArn === number)?.flows;
    const describeNumber = async (): Promise<ClaimedPhoneNumberSummary> =>
      (await client.send(new DescribePhoneNumberCommand({ PhoneNumberId: number }))).ClaimedPhoneNumberSummary as ClaimedPhoneNumberSummary;
    const tagsOf = async () => (await describeNumber()).Tags ?? {};
    const intentTags = async () => Object.fromEntries(Object.entries(await tagsOf()).filter(([k]) => k.startsWith('cdk-phone-numbers:')));
    const moveTo = (targetArn: string) => client.send(new UpdatePhoneNumberCommand({ PhoneNumberId: number, TargetArn: targetArn }));
    const settle = () => clock.advance(1000);

    beforeEach(async () => {
      await emulator.stop();
      clock = createManualClock();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000 });
      inst1 = emulator.seedInstance({ instanceId: INST_1 });
      inst2 = emulator.seedInstance({ instanceId: INST_2 });
      a = emulator.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_A });
      b = emulator.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_B });
      c = emulator.seedContactFlow({ instanceId: INST_2, contactFlowId: FLOW_C });
      number = emulator.seedClaimedNumber({ phoneNumber: '+12065550177', targetArn: inst1 });
      client = new ConnectClient({ region: REGION });
    });
    afterEach(() => client.destroy());

    describe('renames: a binding of a new logical id takes the number over', () => {
      it('records the flow and itself on the number, and the binding it took the number from', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: b }), 'New'));
        expect(await intentTags()).toEqual({
          [FLOW_TAG]: b,
          [BINDING_TAG]: `${STACK_NAME}/New`,
          [PRIOR_FLOW_TAG]: a,
          [PRIOR_BINDING_TAG]: `${STACK_NAME}/Old`,
        });
      });

      it("the old binding's cleanup Delete leaves the number bound to the new one's flow", async () => {
        const old = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old, 'Old'));
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'New'));
        emulator.clearCalls();
        await onEvent(deleteEvent(BINDING, id, old, 'Old'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(operations(emulator, mutating)).toEqual([]);
      });

      it("the new binding's Delete in the update rollback puts back the old flow and owner", async () => {
        // GIVEN the old binding on flow A, and the renamed one that moved the number to flow B
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_B });
        // WHEN the update rolls back: the new binding is deleted in the cleanup, the template is the previous one
        stackState.rollingBack.mockResolvedValue(true);
        stackState.declarations.mockResolvedValue([
          { logicalId: 'Old', properties: { PhoneNumberArn: number, ContactFlowArn: UNRESOLVED } },
        ]);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        // THEN the number rings flow A again and the old binding owns it
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('a Delete outside a rollback unbinds and removes its tags when it owns the number and nothing else declares it', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        stackState.declarations.mockResolvedValue([]);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        expect(flowsOf()).toEqual({});
        expect(await intentTags()).toEqual({});
      });

      it('a Delete leaves a flow set by hand, its tags still naming the binding: the flow check alone decides (issue 21)', async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        await client.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: number, InstanceId: INST_1, ContactFlowId: FLOW_B }));
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        stackState.declarations.mockResolvedValue([]);
        emulator.clearCalls();
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_B });
        expect(operations(emulator, mutating)).toEqual(['UntagResource']);
        expect(await intentTags()).toEqual({});
      });

      it('a rolled-back rename whose earlier owner had no flow leaves a flow set by hand, and puts that owner back (issue 21)', async () => {
        // GIVEN a number with no flow whose tags name an earlier binding only, taken over by 'New' on flow B
        await client.send(new TagResourceCommand({ resourceArn: number, tags: { [BINDING_TAG]: `${STACK_NAME}/Old` } }));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        expect(await intentTags()).toEqual({ [FLOW_TAG]: b, [BINDING_TAG]: `${STACK_NAME}/New`, [PRIOR_BINDING_TAG]: `${STACK_NAME}/Old` });
        // AND rebound by hand to flow A
        await client.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: number, InstanceId: INST_1, ContactFlowId: FLOW_A }));
        // WHEN the update rolls back: 'New' is deleted
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        // THEN flow A still rings, and the earlier owner is back without a flow
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(await intentTags()).toEqual({ [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('a rolled-back rename whose earlier owner had no flow unbinds the flow it bound (issue 21)', async () => {
        await client.send(new TagResourceCommand({ resourceArn: number, tags: { [BINDING_TAG]: `${STACK_NAME}/Old` } }));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        expect(flowsOf()).toEqual({});
        expect(await intentTags()).toEqual({ [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('a Delete unbinds a number that carries no tags (bound before they existed) while it rings its flow', async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        await client.send(new UntagResourceCommand({ resourceArn: number, tagKeys: [FLOW_TAG, BINDING_TAG] }));
        stackState.declarations.mockResolvedValue([]);
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({});
      });

      it('a Delete whose properties are not ARNs (a create refused by validation) answers at once, calling nothing', async () => {
        emulator.clearCalls();
        const bad = bindingProps({ PhoneNumberArn: number, ContactFlowArn: 'not-a-flow' });
        await expect(onEvent(deleteEvent(BINDING, 'x', bad, 'Old'))).resolves.toEqual({ PhysicalResourceId: 'x' });
        const badNumber = bindingProps({ PhoneNumberArn: '+12065550177', ContactFlowArn: a });
        await expect(onEvent(deleteEvent(BINDING, 'y', badNumber, 'Old'))).resolves.toEqual({ PhysicalResourceId: 'y' });
        expect(operations(emulator)).toEqual([]);
      });

      it('a rolled-back binding that took over a number bound by hand (no owner) puts that flow back, owning nothing', async () => {
        await client.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: number, InstanceId: INST_1, ContactFlowId: FLOW_A }));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        expect(await intentTags()).toEqual({ [FLOW_TAG]: b, [BINDING_TAG]: `${STACK_NAME}/New`, [PRIOR_FLOW_TAG]: a });
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a });
      });

      it('a rolled-back rename whose number moved away records the earlier flow without binding it there', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        await moveTo(inst2);
        settle();
        stackState.rollingBack.mockResolvedValue(true);
        await expect(onEvent(deleteEvent(BINDING, id, next, 'New'))).resolves.toEqual({ PhysicalResourceId: id });
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        expect(operations(emulator).filter((o) => o === 'AssociatePhoneNumberContactFlow')).toHaveLength(2); // the two creates'
      });

      it("a rolled-back rename across instances, its number not back yet, leaves the new instance's flow to the move", async () => {
        // GIVEN 'Old' on flow A in instance 1; the number moved to instance 2, where 'New' binds flow C
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        await moveTo(inst2);
        settle();
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: c });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
        // WHEN 'New' is rolled back before the number moves back
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        // THEN flow A is recorded for the number's return, and flow C keeps ringing until the number leaves
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
      });

      it('a rolled-back rename that kept the flow does not bind it again', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        stackState.rollingBack.mockResolvedValue(true);
        emulator.clearCalls();
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(operations(emulator, mutating)).not.toContain('AssociatePhoneNumberContactFlow');
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('a Delete leaves alone the tags of a number it does not own, though it unbinds its own flow', async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        await client.send(new UntagResourceCommand({ resourceArn: number, tagKeys: [BINDING_TAG] }));
        stackState.declarations.mockResolvedValue([]);
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({});
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a });
      });

      it('a rolled-back binding with nothing to put back leaves the number bound when the template declares it elsewhere', async () => {
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        expect(await intentTags()).toEqual({ [FLOW_TAG]: b, [BINDING_TAG]: `${STACK_NAME}/New` });
        stackState.rollingBack.mockResolvedValue(true);
        stackState.declarations.mockResolvedValue([{ logicalId: 'Other', properties: { PhoneNumberArn: number, ContactFlowArn: b } }]);
        await onEvent(deleteEvent(BINDING, id, next, 'New'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_B });
      });

      it('a Delete leaves the number bound when another binding of the stack declares it (a binding from before the tags)', async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        await client.send(new UntagResourceCommand({ resourceArn: number, tagKeys: [FLOW_TAG, BINDING_TAG] }));
        stackState.declarations.mockResolvedValue([{ logicalId: 'New', properties: { PhoneNumberArn: number, ContactFlowArn: a } }]);
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(stackState.declarations).toHaveBeenCalledWith(
          expect.stringContaining(':stack/'),
          BINDING,
          'Old',
          expect.objectContaining({ RequestType: 'Delete' }),
        );
      });

      it("a Delete leaves the number bound, with a warning, when another binding's number cannot be resolved", async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        stackState.declarations.mockResolvedValue([{ logicalId: 'Other', properties: { PhoneNumberArn: UNRESOLVED, ContactFlowArn: b } }]);
        const warn = jest.spyOn(Logger.prototype, 'warn');
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(/cannot be resolved/), expect.objectContaining({ logicalId: 'Other' }));
      });

      it('a Delete unbinds when another binding of the stack declares another number', async () => {
        const props = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props, 'Old'));
        stackState.declarations.mockResolvedValue([
          { logicalId: 'Other', properties: { PhoneNumberArn: number.replace(/[0-9a-f]{4}$/, '0000'), ContactFlowArn: b } },
        ]);
        await onEvent(deleteEvent(BINDING, id, props, 'Old'));
        expect(flowsOf()).toEqual({});
      });

      it("a create that fails puts the number's tags back, so the binding that owns it still unbinds it later", async () => {
        const old = bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
        await onEvent(createEvent(BINDING, old, 'Old'));
        const missingFlow = `${inst1}/contact-flow/dddddddd-dddd-4ddd-8ddd-dddddddddddd`;
        await expect(
          onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: missingFlow }), 'New')),
        ).rejects.toThrow(/Contact flow not found/);
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
      });
    });

    describe('a binding whose number is in another instance', () => {
      // The number moves from instance 1 (flows A, B) to instance 2 (flow C), and back on rollback.
      const forward = () => bindingProps({ PhoneNumberArn: number, ContactFlowArn: c });
      const backward = () => bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });

      it("going forward, waits until the number is CLAIMED in the flow's instance, then binds it there", async () => {
        // GIVEN the number still in instance 1
        const event = createEvent(BINDING, forward());
        const request = afterOnEvent(event, await handlerOnEvent(event));
        expect(await isComplete(request)).toEqual({ IsComplete: false });
        // WHEN it moves to instance 2: IN_PROGRESS, then CLAIMED
        await moveTo(inst2);
        expect(await isComplete(request)).toEqual({ IsComplete: false });
        settle();
        // THEN the binding completes, bound in instance 2
        expect(await isComplete(request)).toMatchObject({ IsComplete: true });
        expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
        expect(stackState.rollingBack).toHaveBeenCalled();
      });

      it('fails naming the number, where it is and the fix when it never arrives in time', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const event = createEvent(BINDING, forward(), 'New');
        const request = {
          ...afterOnEvent(event, await handlerOnEvent(event)),
          CdkPhoneNumbersStartedAt: Date.now() - DEFAULT_COMPLETION_TIMEOUT_MS - 1,
        };
        const failure = isComplete(request as never);
        await expect(failure).rejects.toThrow(
          `the number '${number}' did not arrive in the instance of the flow '${c}' within 30 minutes (it is CLAIMED in '${inst1}'). ` +
            'Claim or move the number to that instance (ClaimedPhoneNumber targetArn), or bind a flow of the instance the number is in.',
        );
        await expect(failure).rejects.toMatchObject({ name: 'FlowBindingTimedOutError' });
        // the failed create gave the number back to the binding that owns it, and a later poll fails the same way
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
        await expect(isComplete(request as never)).rejects.toThrow(/did not arrive/);
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('keeps waiting (no failure) within the limit', async () => {
        const event = createEvent(BINDING, forward());
        const request = {
          ...afterOnEvent(event, await handlerOnEvent(event)),
          CdkPhoneNumbersStartedAt: Date.now() - DEFAULT_COMPLETION_TIMEOUT_MS + 60_000,
        };
        await expect(isComplete(request as never)).resolves.toEqual({ IsComplete: false });
      });

      describe('in an update rollback', () => {
        /** The forward update: the number moved to instance 2 and the binding to flow C there. */
        async function movedForward(): Promise<string> {
          const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, backward()));
          await moveTo(inst2);
          settle();
          await onEvent(updateEvent(BINDING, id, forward(), backward()));
          expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
          stackState.rollingBack.mockResolvedValue(true);
          emulator.clearCalls();
          return id;
        }

        it("binding rolled back first: records the flow and completes at once; the number's completion binds it", async () => {
          const id = await movedForward();
          // WHEN the binding rolls back while the number is still in instance 2
          const event = updateEvent(BINDING, id, backward(), forward());
          const request = afterOnEvent(event, await handlerOnEvent(event));
          // THEN it completes without waiting and without unbinding the number where it still rings
          expect(await isComplete(request)).toMatchObject({ IsComplete: true });
          expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
          expect(await intentTags()).toMatchObject({ [FLOW_TAG]: a });
          // WHEN the number rolls back to instance 1 and its completion sees it CLAIMED there
          await moveTo(inst1);
          settle();
          await bindDeclaredFlow(client, await describeNumber());
          // THEN it rings flow A in instance 1
          expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        });

        it('number rolled back first: the binding binds at once', async () => {
          const id = await movedForward();
          await moveTo(inst1);
          settle();
          // the number's completion finds the forward flow recorded: in another instance, nothing to bind
          await bindDeclaredFlow(client, await describeNumber());
          expect(flowsOf()).toEqual({});
          await onEvent(updateEvent(BINDING, id, backward(), forward()));
          expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        });

        it("number still moving back to the flow's instance: the binding waits for it (no deadlock: the move needs nothing from it)", async () => {
          const id = await movedForward();
          await moveTo(inst1);
          const event = updateEvent(BINDING, id, backward(), forward());
          const request = afterOnEvent(event, await handlerOnEvent(event));
          expect(await isComplete(request)).toEqual({ IsComplete: false });
          settle();
          expect(await isComplete(request)).toMatchObject({ IsComplete: true });
          expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        });
      });
    });

    describe("bindDeclaredFlow (for the number's own completion)", () => {
      /** A binding created while its number is elsewhere: its first poll records the flow and waits. */
      async function waitingBinding(props: Record<string, unknown>): Promise<void> {
        const event = createEvent(BINDING, props);
        expect(await isComplete(afterOnEvent(event, await handlerOnEvent(event)))).toEqual({ IsComplete: false });
      }

      it('binds the recorded flow once, and makes no call when it is bound already', async () => {
        await waitingBinding(bindingProps({ PhoneNumberArn: number, ContactFlowArn: c }));
        await moveTo(inst2);
        settle();
        emulator.clearCalls();
        await bindDeclaredFlow(client, await describeNumber());
        await bindDeclaredFlow(client, await describeNumber());
        expect(flowsOf()).toEqual({ [INST_2]: FLOW_C });
        expect(operations(emulator, mutating)).toEqual(['AssociatePhoneNumberContactFlow']);
      });

      it('does nothing for a number without a recorded flow', async () => {
        emulator.clearCalls();
        await bindDeclaredFlow(client, await describeNumber());
        expect(operations(emulator, mutating)).toEqual([]);
      });

      it('does nothing while the number is IN_PROGRESS', async () => {
        await waitingBinding(bindingProps({ PhoneNumberArn: number, ContactFlowArn: c }));
        await moveTo(inst2);
        emulator.clearCalls();
        await bindDeclaredFlow(client, await describeNumber());
        expect(operations(emulator, mutating)).toEqual([]);
      });
    });
    describe('a change that fails for a passing reason is run again by isComplete', () => {
      it('binds a create in isComplete: onEvent answers its physical id with no call; a throttled poll is polled again', async () => {
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumberContactFlow',
          errorName: 'ThrottlingException',
          status: 429,
          message: 'Rate exceeded',
          times: MAX_THROTTLED_ATTEMPTS,
        });
        const event = createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }));
        emulator.clearCalls();
        const result = await handlerOnEvent(event);
        expect(result).toEqual({ PhysicalResourceId: bindingPhysicalId(number) });
        expect(operations(emulator)).toEqual([]);
        expect(await isComplete(afterOnEvent(event, result))).toEqual({ IsComplete: false });
        expect(flowsOf()).toEqual({});
        // the intent stays recorded for the next poll
        expect(await intentTags()).toMatchObject({ [FLOW_TAG]: a });
        expect(await isComplete(afterOnEvent(event, result))).toMatchObject({ IsComplete: true });
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
      });

      it('completes a rollback Delete that meets a 500 on a later poll, putting the earlier flow back', async () => {
        await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: a }), 'Old'));
        const next = bindingProps({ PhoneNumberArn: number, ContactFlowArn: b });
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, next, 'New'));
        stackState.rollingBack.mockResolvedValue(true);
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumberContactFlow',
          errorName: 'InternalServiceException',
          status: 500,
          message: 'Internal service error',
          times: MAX_ATTEMPTS,
        });
        const del = deleteEvent(BINDING, id, next, 'New');
        const result = await handlerOnEvent(del);
        expect(result[RETRY_LATER_KEY as keyof typeof result]).toMatch(/Internal service error/);
        expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: true });
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(await intentTags()).toEqual({ [FLOW_TAG]: a, [BINDING_TAG]: `${STACK_NAME}/Old` });
      });

      it('fails at once on what cannot pass (a flow that does not exist), putting the tags back', async () => {
        const missing = `${inst1}/contact-flow/dddddddd-dddd-4ddd-8ddd-dddddddddddd`;
        await expect(onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: number, ContactFlowArn: missing })))).rejects.toThrow(
          /Contact flow not found/,
        );
        expect(await intentTags()).toEqual({});
      });
    });

    describe('a replacement (another number) rolled back, in both shapes', () => {
      let second: string;
      beforeEach(() => {
        second = emulator.seedClaimedNumber({ phoneNumber: '+12065550178', targetArn: inst1 });
      });
      const flowsOfSecond = () => emulator.snapshot().claimed.find((n) => n.phoneNumberArn === second)?.flows;
      const first = () => bindingProps({ PhoneNumberArn: number, ContactFlowArn: a });
      const other = () => bindingProps({ PhoneNumberArn: second, ContactFlowArn: a });

      it('the rollback Update of a failed replacement (on the original physical id) unbinds the other number', async () => {
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, first()));
        // the forward replacement bound the other number, then its Update failed
        await onEvent(updateEvent(BINDING, id, other(), first()));
        expect(flowsOfSecond()).toEqual({ [INST_1]: FLOW_A });
        stackState.rollingBack.mockResolvedValue(true);
        const r = await onEvent(updateEvent(BINDING, id, first(), other()));
        expect(r.PhysicalResourceId).toBe(id);
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(flowsOfSecond()).toEqual({});
      });

      it('update-then-delete: the Update of the new physical id unbinds the other number; the Delete with the old properties keeps the first bound', async () => {
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, first()));
        const { PhysicalResourceId: newId } = await onEvent(updateEvent(BINDING, id, other(), first()));
        expect(newId).toBe(bindingPhysicalId(second));
        stackState.rollingBack.mockResolvedValue(true);
        const r = await onEvent(updateEvent(BINDING, newId, first(), other()));
        expect(r.PhysicalResourceId).toBe(id);
        expect(flowsOfSecond()).toEqual({});
        await onEvent(deleteEvent(BINDING, newId, first()));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
      });

      it('a forward replacement run again by isComplete (after a passing failure) still leaves the first number bound', async () => {
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, first()));
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumberContactFlow',
          errorName: 'ThrottlingException',
          status: 429,
          message: 'Rate exceeded',
          times: MAX_THROTTLED_ATTEMPTS,
        });
        const event = updateEvent(BINDING, id, other(), first());
        const result = await handlerOnEvent(event);
        expect(result[RETRY_LATER_KEY as keyof typeof result]).toBeDefined();
        expect(await isComplete(afterOnEvent(event, result))).toMatchObject({ IsComplete: true });
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        expect(flowsOfSecond()).toEqual({ [INST_1]: FLOW_A });
      });

      it('a forward replacement leaves the first number to the cleanup Delete', async () => {
        const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, first()));
        await onEvent(updateEvent(BINDING, id, other(), first()));
        expect(flowsOf()).toEqual({ [INST_1]: FLOW_A });
        await onEvent(deleteEvent(BINDING, id, first()));
        expect(flowsOf()).toEqual({});
        expect(flowsOfSecond()).toEqual({ [INST_1]: FLOW_A });
      });
    });
  });
});
