import { onEvent } from '../../lambda/index';
import { bindingPhysicalId } from '../../lambda/resources/phone-number-flow-binding';
import { createManualClock, type Emulator } from '../../local/emulator';
import { ALT_REGION, BINDING, bindingProps, createEvent, deleteEvent, mutating, operations, startTestEmulator, updateEvent } from './fixtures';

describe('Custom::PhoneNumberFlowBinding', () => {
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
    flowA = emulator.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    flowB = emulator.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
    flowOther = emulator.seedContactFlow({ instanceId: '22222222-2222-4222-8222-222222222222', contactFlowId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' });
    numberArn = emulator.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('binds the number by its full ARN in the flow\'s instance, with a physical id derived from the number', async () => {
    const r = await onEvent(createEvent(BINDING, bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA })));
    expect(r.PhysicalResourceId).toBe(bindingPhysicalId(numberArn));
    expect(flows()).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    const call = emulator.calls().find((c) => c.operation === 'AssociatePhoneNumberContactFlow');
    expect(call?.input).toMatchObject({ PhoneNumberId: numberArn, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
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
    expect(snap.find((n) => n.phoneNumberArn === second)?.flows).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
  });

  it('associates again in the new target after the number moved, in place', async () => {
    // GIVEN a binding in instance 1
    const old = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA, PhoneNumberTargetArn: instanceArn });
    const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, old));
    // WHEN the number moved to instance 2 (its association did not follow) and the binding names a flow there
    const { ConnectClient, UpdatePhoneNumberCommand } = await import('@aws-sdk/client-connect');
    await new ConnectClient({ region: 'us-east-1' }).send(new UpdatePhoneNumberCommand({ PhoneNumberId: numberArn, TargetArn: otherInstanceArn }));
    const next = { ...old, ContactFlowArn: flowOther, PhoneNumberTargetArn: otherInstanceArn };
    const r = await onEvent(updateEvent(BINDING, id, next, old));
    // THEN the number is bound in instance 2, same physical id
    expect(r.PhysicalResourceId).toBe(id);
    expect(flows()).toEqual({ '22222222-2222-4222-8222-222222222222': 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' });
  });

  it('associates again, in place, after the number moved to a traffic distribution group of the same instance', async () => {
    // GIVEN a binding while the number is claimed to instance 1
    const tdgArn = emulator.seedTrafficDistributionGroup({ trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', alternateRegion: ALT_REGION, instanceArn });
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

  it('binds from a traffic distribution group\'s alternate region using the full ARN', async () => {
    // GIVEN a number claimed to a TDG of instance 1, and the instance's replica (same id) in the alternate region
    emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111', region: ALT_REGION });
    const tdgArn = emulator.seedTrafficDistributionGroup({ trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', alternateRegion: ALT_REGION, instanceArn });
    const tdgNumber = emulator.seedClaimedNumber({ phoneNumber: '+12065550199', targetArn: tdgArn });
    const westFlow = emulator.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', region: ALT_REGION });
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
      const props = bindingProps({ PhoneNumberArn: numberArn.replace(/phone-number\/.*/, 'phone-number/00000000-0000-4000-8000-000000000000'), ContactFlowArn: flowA });
      await expect(onEvent(deleteEvent(BINDING, 'x', props))).resolves.toEqual({ PhysicalResourceId: 'x' });
    });

    it('treats a not-found disassociation as success', async () => {
      const props = bindingProps({ PhoneNumberArn: numberArn, ContactFlowArn: flowA });
      const { PhysicalResourceId: id } = await onEvent(createEvent(BINDING, props));
      emulator.injectFault({ kind: 'error', operation: 'DisassociatePhoneNumberContactFlow', errorName: 'ResourceNotFoundException', status: 404, message: 'gone' });
      await expect(onEvent(deleteEvent(BINDING, id, props))).resolves.toBeDefined();
    });
  });
});
