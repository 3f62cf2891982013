/**
 * The handler under each reading of a service behaviour the documentation does not settle
 * (docs/service-facts.md, "Readings"): the same outcome under both.
 */
import { ChimeSDKVoiceClient, DisassociatePhoneNumbersFromVoiceConnectorCommand } from '@aws-sdk/client-chime-sdk-voice';
import { isComplete, onEvent } from '../../lambda/index';
import { createManualClock, type Emulator, type ManualClock } from '../../local/emulator';
import {
  afterOnEvent,
  CLAIMED,
  claimedProps,
  createEvent,
  deleteEvent,
  onEventCompletingCreates,
  REGION,
  runToCompletion,
  startTestEmulator,
  stubStackState,
  updateEvent,
  usNumbers,
  VC,
  vcProps,
} from './fixtures';

describe.each(['listed', 'omitted'] as const)(
  'ClaimedPhoneNumber on a traffic distribution group, when an unfiltered ListPhoneNumbersV2 has its numbers %s',
  (reading) => {
    let emulator: Emulator;
    let clock: ManualClock;
    let tdgArn: string;
    const RELEASE_MS = 5_000;
    const settle = (): void => clock.advance(1000);
    const claimed = () => emulator.snapshot().claimed;

    beforeEach(async () => {
      clock = createManualClock();
      emulator = await startTestEmulator({
        clock,
        asyncDelayMs: 1000,
        releaseDelayMs: RELEASE_MS,
        readings: { unfilteredListTdgNumbers: reading },
      });
      const instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      tdgArn = emulator.seedTrafficDistributionGroup({
        trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
        alternateRegion: 'us-west-2',
        instanceArn,
      });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [...usNumbers(3), '+13125550100', '+13125550101'] });
    });
    afterEach(async () => {
      await emulator.stop();
    });

    it('a Delete completes only once the release of its number has finished', async () => {
      const props = claimedProps({ TargetArn: tdgArn, PhoneNumber: '+12065550100', RemovalPolicy: 'destroy' });
      const { response } = await runToCompletion(createEvent(CLAIMED, props), settle);
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '1'; // the releasing poll lists the number once (startTestEmulator sets 0)
      const del = deleteEvent(CLAIMED, response.PhysicalResourceId, props);
      const request = afterOnEvent(del, await onEvent(del));
      expect(await isComplete(request)).toEqual({ IsComplete: false });
      expect(claimed().map((n) => n.releasing)).toEqual([true]);
      clock.advance(RELEASE_MS);
      expect(await isComplete(request)).toEqual({ IsComplete: true });
      expect(claimed()).toEqual([]);
    });

    it('a create retried under a new request id keeps the number its first attempt claimed', async () => {
      const props = claimedProps({ TargetArn: tdgArn, PhoneNumber: '+12065550101' });
      const first = await runToCompletion(createEvent(CLAIMED, props), settle);
      const retried = await runToCompletion(createEvent(CLAIMED, props), settle);
      expect(retried.response.PhysicalResourceId).toBe(first.response.PhysicalResourceId);
      expect(claimed().map((n) => [n.phoneNumber, n.targetArn])).toEqual([['+12065550101', tdgArn]]);
    });

    it('the rollback of a search replacement takes back the number it left behind instead of claiming a third', async () => {
      const before = claimedProps({ TargetArn: tdgArn, CountryCode: 'US', Prefix: '+1312' });
      const after = claimedProps({ TargetArn: tdgArn, CountryCode: 'US', Prefix: '+1206' });
      const a = (await runToCompletion(createEvent(CLAIMED, before), settle)).response.PhysicalResourceId;
      const b = (await runToCompletion(updateEvent(CLAIMED, a, after, before), settle)).response.PhysicalResourceId;
      expect(b).not.toBe(a);
      // WHEN the replacement rolls back: old and new swapped, on the new physical id
      const back = await runToCompletion(updateEvent(CLAIMED, b, before, after), settle);
      expect(back.response.PhysicalResourceId).toBe(a);
      expect(claimed()).toHaveLength(2);
      expect(emulator.calls().filter((c) => c.operation === 'ClaimPhoneNumber' && c.status === 200)).toHaveLength(2);
    });
  },
);

describe.each(['NotFound', 'Validation'] as const)(
  'VoiceConnectorNumbers, when disassociating a number not on the connector answers %s',
  (code) => {
    stubStackState();
    let emulator: Emulator;
    const CONNECTOR = 'av0iceconnector0000001';
    const numbers = usNumbers(3);
    const onConnector = () => emulator.snapshot({ region: REGION }).voiceConnectors[CONNECTOR] ?? [];

    beforeEach(async () => {
      emulator = await startTestEmulator({ readings: { disassociateNotAssociated: code } });
      emulator.seedVoiceConnector({ voiceConnectorId: CONNECTOR });
      for (const n of numbers) emulator.seedChimeNumber({ phoneNumber: n });
    });
    afterEach(async () => {
      await emulator.stop();
    });

    async function takenOffByHand(phoneNumber: string): Promise<void> {
      const chime = new ChimeSDKVoiceClient({ region: REGION });
      try {
        await chime.send(
          new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: CONNECTOR, E164PhoneNumbers: [phoneNumber] }),
        );
      } finally {
        chime.destroy();
      }
    }

    it('a Delete after a number was taken off the connector by hand completes, the others off too', async () => {
      const props = vcProps({ VoiceConnectorId: CONNECTOR, PhoneNumbers: numbers.slice(0, 2) });
      const { PhysicalResourceId: id } = await onEventCompletingCreates(createEvent(VC, props));
      await takenOffByHand(numbers[0]);
      await expect(onEvent(deleteEvent(VC, id, props))).resolves.toEqual({ PhysicalResourceId: id });
      expect(onConnector()).toEqual([]);
    });

    it('an Update dropping a number already taken off the connector completes and keeps the rest', async () => {
      const props = vcProps({ VoiceConnectorId: CONNECTOR, PhoneNumbers: numbers });
      const { PhysicalResourceId: id } = await onEventCompletingCreates(createEvent(VC, props));
      await takenOffByHand(numbers[2]);
      const next = vcProps({ VoiceConnectorId: CONNECTOR, PhoneNumbers: numbers.slice(0, 2) });
      await expect(onEvent(updateEvent(VC, id, next, props))).resolves.toMatchObject({ PhysicalResourceId: id });
      expect(onConnector()).toEqual(numbers.slice(0, 2));
    });

    it("a number taken off by hand between the handler's read and its Disassociate: the Delete completes", async () => {
      const props = vcProps({ VoiceConnectorId: CONNECTOR, PhoneNumbers: numbers.slice(0, 2) });
      const { PhysicalResourceId: id } = await onEventCompletingCreates(createEvent(VC, props));
      // The race: just before the handler's Disassociate reaches the service, numbers[0] leaves the connector.
      const send = ChimeSDKVoiceClient.prototype.send;
      let raced = false;
      jest.spyOn(ChimeSDKVoiceClient.prototype, 'send').mockImplementation(async function (this: ChimeSDKVoiceClient, ...args: unknown[]) {
        if (!raced && args[0] instanceof DisassociatePhoneNumbersFromVoiceConnectorCommand) {
          raced = true;
          await takenOffByHand(numbers[0]);
        }
        return (send as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      });
      await expect(onEvent(deleteEvent(VC, id, props))).resolves.toEqual({ PhysicalResourceId: id });
      expect(raced).toBe(true);
      const entries = emulator
        .calls()
        .filter((c) => c.operation === 'DisassociatePhoneNumbersFromVoiceConnector')
        .map((c) => (c.output as { PhoneNumberErrors: Array<{ ErrorCode: string }> }).PhoneNumberErrors.map((x) => x.ErrorCode));
      expect(entries.at(-1)).toEqual([code]);
      expect(onConnector()).toEqual([]);
    });

    it.each(['Validation', 'BadRequest'])('a %s entry for a number still on the connector is a failure naming it', async (entry) => {
      const props = vcProps({ VoiceConnectorId: CONNECTOR, PhoneNumbers: numbers.slice(0, 2) });
      const { PhysicalResourceId: id } = await onEventCompletingCreates(createEvent(VC, props));
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'DisassociatePhoneNumbersFromVoiceConnector',
        phoneNumber: numbers[0],
        errorCode: entry,
      });
      await expect(onEvent(deleteEvent(VC, id, props))).rejects.toThrow(new RegExp(`\\${numbers[0]} \\(${entry}`));
      expect(onConnector()).toEqual([numbers[0]]);
    });
  },
);
