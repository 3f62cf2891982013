import { Logger } from '@aws-lambda-powertools/logger';
import { MAX_ATTEMPTS, MAX_THROTTLED_ATTEMPTS } from '../../lambda/clients';
import { DEFAULT_COMPLETION_TIMEOUT_MS } from '../../lambda/deadline';
import { isComplete, onEvent as handlerOnEvent } from '../../lambda/index';
import { RETRY_LATER_KEY } from '../../lambda/retry-later';
import { BATCH_SIZE, TAKEN_TAG_PREFIX } from '../../lambda/resources/voice-connector-numbers';
import { UNRESOLVED } from '../../lambda/stack-template';
import { ChimeSDKVoiceClient, ListTagsForResourceCommand } from '@aws-sdk/client-chime-sdk-voice';
import type { Emulator } from '../../local/emulator';
import {
  ACCOUNT,
  afterOnEvent,
  ALT_REGION,
  REGION,
  VC,
  createEvent,
  deleteEvent,
  mutating,
  operations,
  startTestEmulator,
  updateEvent,
  usNumbers,
  vcProps,
  onEventCompletingCreates,
  stubStackState,
} from './fixtures';

const onEvent = onEventCompletingCreates;

describe('Custom::VoiceConnectorNumbers', () => {
  // The stack as CloudFormation reports it (lambda/stack): see stubStackState.
  const stackState = stubStackState();

  let emulator: Emulator;
  const numbers = usNumbers(6);
  const connectors = (region = REGION) => emulator.snapshot({ region }).voiceConnectors;
  const sorted = (xs: string[] | undefined) => [...(xs ?? [])].sort();

  beforeEach(async () => {
    emulator = await startTestEmulator();
    for (const id of ['av0iceconnector0000001', 'bv0iceconnector0000002', 'otherv0iceconnector001'])
      emulator.seedVoiceConnector({ voiceConnectorId: id });
    for (const n of numbers) emulator.seedChimeNumber({ phoneNumber: n });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  async function created(props: Record<string, unknown>): Promise<string> {
    const r = await onEvent(createEvent(VC, props));
    emulator.clearCalls();
    return r.PhysicalResourceId;
  }

  describe('create', () => {
    it('associates the numbers with ForceAssociate as declared', async () => {
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) })));
      expect(sorted(connectors()['av0iceconnector0000001'])).toEqual(numbers.slice(0, 3));
      const call = emulator.calls().find((c) => c.operation === 'AssociatePhoneNumbersWithVoiceConnector');
      expect(call?.input.ForceAssociate).toBe(false);
    });

    it('succeeds again with the same result when the same event is delivered twice', async () => {
      const event = createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) }));
      const first = await onEvent(event);
      await expect(onEvent(event)).resolves.toEqual(first);
      expect(sorted(connectors()['av0iceconnector0000001'])).toEqual(numbers.slice(0, 2));
    });

    it('accepts numbers without the leading +', async () => {
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: [numbers[0].slice(1)] })));
      expect(connectors()['av0iceconnector0000001']).toEqual([numbers[0]]);
    });

    it('fails naming each failed number and code, after undoing what it associated', async () => {
      // GIVEN one number is on another connector and one gets an injected error
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[0]] }), 'Other'));
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: numbers[1],
        errorCode: 'ServiceFailure',
        message: 'boom',
      });
      // WHEN this resource declares them without ForceAssociate
      const event = createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 4) }));
      // THEN the event fails naming both, and av0iceconnector0000001 carries nothing; otherv0iceconnector001 keeps its number
      await expect(onEvent(event)).rejects.toThrow(
        /association of 2 number\(s\) with voice connector 'av0iceconnector0000001' failed: .*\+12065550100 \(PhoneNumberAssociationsExist.*\+12065550101 \(ServiceFailure: boom\)/,
      );
      expect(connectors()['av0iceconnector0000001'] ?? []).toEqual([]);
      expect(connectors()['otherv0iceconnector001']).toEqual([numbers[0]]);
    });

    it('does not undo a number that was on the connector before the event when another number fails', async () => {
      // GIVEN a number already on av0iceconnector0000001 (put there outside this resource)
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: [numbers[0]] }), 'ByHand'));
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: numbers[2],
        errorCode: 'Forbidden',
      });
      // WHEN this resource declares it with two more, one of which fails
      await expect(
        onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) }))),
      ).rejects.toThrow(/\+12065550102 \(Forbidden/);
      // THEN only what this event associated is undone: the earlier number stays on av0iceconnector0000001
      expect(connectors()['av0iceconnector0000001']).toEqual([numbers[0]]);
    });

    it('gives a number it took with ForceAssociate back to its earlier connector when another number fails', async () => {
      // GIVEN a number on another connector, and a second number whose association will fail
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[0]] }), 'Other'));
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: numbers[1],
        errorCode: 'Forbidden',
      });
      // WHEN this resource declares both with ForceAssociate
      await expect(
        onEvent(
          createEvent(
            VC,
            vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2), ForceAssociate: 'true' }),
          ),
        ),
      ).rejects.toThrow(/\+12065550101 \(Forbidden/);
      // THEN the undo puts the taken number back where it was, instead of leaving it on no connector
      expect(connectors()['av0iceconnector0000001'] ?? []).toEqual([]);
      expect(connectors()['otherv0iceconnector001']).toEqual([numbers[0]]);
    });

    it('undoes what it associated when an Associate call fails outright (a failed create is never cleaned up by a Delete)', async () => {
      // GIVEN more numbers than one batch, and every attempt of the first Associate call applied but its response lost
      const many = usNumbers(BATCH_SIZE + 5, 2000);
      for (const n of many) emulator.seedChimeNumber({ phoneNumber: n });
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'AssociatePhoneNumbersWithVoiceConnector', times: 1000 });
      // WHEN the create's onEvent meets it: a passing failure, run again by isComplete
      const create = createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: many }));
      const request = afterOnEvent(create, await handlerOnEvent(create));
      expect(await isComplete(request)).toEqual({ IsComplete: false });
      // WHEN the failure outlasts the completion deadline
      const late = { ...request, CdkPhoneNumbersStartedAt: Date.now() - DEFAULT_COMPLETION_TIMEOUT_MS - 1 };
      await expect(isComplete(late as never)).rejects.toThrow();
      // THEN nothing this event associated is left on the connector
      emulator.clearFaults();
      expect(connectors()['av0iceconnector0000001'] ?? []).toEqual([]);
    });

    it('takes numbers from other connectors when ForceAssociate is true', async () => {
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[0]] }), 'Other'));
      await onEvent(
        createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: [numbers[0]], ForceAssociate: 'true' })),
      );
      expect(connectors()['av0iceconnector0000001']).toEqual([numbers[0]]);
    });

    it('batches hundreds of numbers', async () => {
      const many = usNumbers(260, 1000);
      for (const n of many) emulator.seedChimeNumber({ phoneNumber: n });
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: many })));
      expect(connectors()['av0iceconnector0000001']).toHaveLength(260);
      const calls = emulator.calls().filter((c) => c.operation === 'AssociatePhoneNumbersWithVoiceConnector' && c.status === 200);
      expect(calls).toHaveLength(Math.ceil(260 / BATCH_SIZE));
      expect(Math.max(...calls.map((c) => (c.input.E164PhoneNumbers as string[]).length))).toBeLessThanOrEqual(BATCH_SIZE);
    });

    it('uses the Region property for the Chime SDK Voice client', async () => {
      emulator.seedVoiceConnector({ voiceConnectorId: 'westv0iceconnector0001', region: ALT_REGION });
      emulator.seedChimeNumber({ phoneNumber: '+12065559999', region: ALT_REGION });
      await onEvent(
        createEvent(VC, vcProps({ VoiceConnectorId: 'westv0iceconnector0001', PhoneNumbers: ['+12065559999'], Region: ALT_REGION })),
      );
      expect(connectors(ALT_REGION)['westv0iceconnector0001']).toEqual(['+12065559999']);
    });
  });

  describe('update', () => {
    it('associates only added numbers and disassociates only removed ones', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) });
      const id = await created(old);
      const r = await onEvent(updateEvent(VC, id, { ...old, PhoneNumbers: numbers.slice(1, 4) }, old));
      expect(r.PhysicalResourceId).toBe(id);
      expect(sorted(connectors()['av0iceconnector0000001'])).toEqual(numbers.slice(1, 4));
      const calls = emulator.calls().filter((c) => mutating(c.operation));
      expect(calls.map((c) => [c.operation, c.input.E164PhoneNumbers])).toEqual([
        ['AssociatePhoneNumbersWithVoiceConnector', [numbers[3]]],
        ['DisassociatePhoneNumbersFromVoiceConnector', [numbers[0]]],
      ]);
    });

    it('makes no call when nothing changed', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) });
      const id = await created(props);
      await onEvent(updateEvent(VC, id, props, props));
      expect(operations(emulator)).toEqual([]);
    });

    it('moves the numbers in place when the connector changes, forcing each over at once', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) });
      const id = await created(old);
      const r = await onEvent(updateEvent(VC, id, { ...old, VoiceConnectorId: 'bv0iceconnector0000002' }, old));
      expect(r.PhysicalResourceId).toBe(id);
      expect(connectors()['av0iceconnector0000001'] ?? []).toEqual([]);
      expect(sorted(connectors()['bv0iceconnector0000002'])).toEqual(numbers.slice(0, 3));
      const mutations = emulator.calls().filter((c) => mutating(c.operation));
      expect(mutations.map((c) => [c.operation, c.input.VoiceConnectorId, c.input.ForceAssociate])).toEqual([
        ['AssociatePhoneNumbersWithVoiceConnector', 'bv0iceconnector0000002', true],
      ]);
    });

    it('does not take a kept number that someone moved to a third connector when moving without ForceAssociate', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) });
      const id = await created(old);
      await onEvent(
        createEvent(
          VC,
          vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[1]], ForceAssociate: 'true' }),
          'Other',
        ),
      );
      await expect(onEvent(updateEvent(VC, id, { ...old, VoiceConnectorId: 'bv0iceconnector0000002' }, old))).rejects.toThrow(
        /\+12065550101 \(PhoneNumberAssociationsExist/,
      );
      // the number moved by this event went back to av0iceconnector0000001
      expect(connectors()['av0iceconnector0000001']).toEqual([numbers[0]]);
      expect(connectors()['otherv0iceconnector001']).toEqual([numbers[1]]);
    });

    it('rolls back a connector move (old and new swapped) to the old connector', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) });
      const next = { ...old, VoiceConnectorId: 'bv0iceconnector0000002' };
      const id = await created(old);
      await onEvent(updateEvent(VC, id, next, old));
      await onEvent(updateEvent(VC, id, old, next));
      expect(sorted(connectors()['av0iceconnector0000001'])).toEqual(numbers.slice(0, 2));
      expect(connectors()['bv0iceconnector0000002'] ?? []).toEqual([]);
    });

    it('undoes only the numbers this update added when some fail', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) });
      const id = await created(old);
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: numbers[3],
        errorCode: 'Forbidden',
      });
      await expect(onEvent(updateEvent(VC, id, { ...old, PhoneNumbers: numbers.slice(0, 4) }, old))).rejects.toThrow(
        /\+12065550103 \(Forbidden/,
      );
      expect(sorted(connectors()['av0iceconnector0000001'])).toEqual(numbers.slice(0, 2));
    });

    it('gives numbers it took with ForceAssociate back to their earlier connector when an added number fails', async () => {
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: [numbers[2]], ForceAssociate: 'true' });
      const id = await created(old);
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[0]] }), 'Other'));
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: numbers[1],
        errorCode: 'Forbidden',
      });
      await expect(onEvent(updateEvent(VC, id, { ...old, PhoneNumbers: [numbers[2], numbers[0], numbers[1]] }, old))).rejects.toThrow(
        /\+12065550101 \(Forbidden/,
      );
      expect(connectors()['av0iceconnector0000001']).toEqual([numbers[2]]);
      expect(connectors()['otherv0iceconnector001']).toEqual([numbers[0]]);
    });

    it('replaces (new physical id) only when the Region changes', async () => {
      emulator.seedVoiceConnector({ voiceConnectorId: 'av0iceconnector0000001', region: ALT_REGION });
      emulator.seedChimeNumber({ phoneNumber: numbers[0], region: ALT_REGION });
      const old = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: [numbers[0]] });
      const id = await created(old);
      const next = { ...old, Region: ALT_REGION };
      const r = await onEvent(updateEvent(VC, id, next, old));
      expect(r.PhysicalResourceId).not.toBe(id);
      expect(connectors(ALT_REGION)['av0iceconnector0000001']).toEqual([numbers[0]]);
      // cleanup Delete of the old one, with the old properties
      await onEvent(deleteEvent(VC, id, old));
      expect(connectors(REGION)['av0iceconnector0000001'] ?? []).toEqual([]);
      expect(connectors(ALT_REGION)['av0iceconnector0000001']).toEqual([numbers[0]]);
    });
  });

  describe('delete', () => {
    it('disassociates the numbers currently on this connector', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) });
      const id = await created(props);
      await onEvent(deleteEvent(VC, id, props));
      expect(connectors()['av0iceconnector0000001'] ?? []).toEqual([]);
    });

    it('leaves alone a number moved to another connector before the delete', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 3) });
      const id = await created(props);
      await onEvent(
        createEvent(
          VC,
          vcProps({ VoiceConnectorId: 'otherv0iceconnector001', PhoneNumbers: [numbers[2]], ForceAssociate: 'true' }),
          'Other',
        ),
      );
      emulator.clearCalls();
      await onEvent(deleteEvent(VC, id, props));
      expect(connectors()['otherv0iceconnector001']).toEqual([numbers[2]]);
      const dis = emulator.calls().filter((c) => c.operation === 'DisassociatePhoneNumbersFromVoiceConnector');
      expect(dis.map((c) => sorted(c.input.E164PhoneNumbers as string[]))).toEqual([numbers.slice(0, 2)]);
    });

    it('treats NotFound entries as success', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) });
      const id = await created(props);
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'DisassociatePhoneNumbersFromVoiceConnector',
        phoneNumber: numbers[0],
        errorCode: 'NotFound',
      });
      await expect(onEvent(deleteEvent(VC, id, props))).resolves.toEqual({ PhysicalResourceId: id });
    });

    it('fails listing the numbers with other errors', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: numbers.slice(0, 2) });
      const id = await created(props);
      emulator.injectFault({
        kind: 'phoneNumberError',
        operation: 'DisassociatePhoneNumbersFromVoiceConnector',
        phoneNumber: numbers[1],
        errorCode: 'Forbidden',
      });
      await expect(onEvent(deleteEvent(VC, id, props))).rejects.toThrow(
        /disassociation of 1 number\(s\) with voice connector 'av0iceconnector0000001' failed: \+12065550101 \(Forbidden/,
      );
    });

    it('succeeds when the numbers are gone from the inventory', async () => {
      const props = vcProps({ VoiceConnectorId: 'av0iceconnector0000001', PhoneNumbers: ['+12065558888'] });
      await expect(onEvent(deleteEvent(VC, 'id', props))).resolves.toEqual({ PhysicalResourceId: 'id' });
    });
  });

  // Realistic connector ids (21-22 lowercase alphanumerics), as the real service requires.
  describe('with realistic connectors', () => {
    const ours = 'abcdef1ghij2klmno3pqr4';
    const theirs = 'qrstuv5wxyz6abcde7fgh8';
    const third = 'zyxwvu9tsrq8ponml7kji6';
    const arnOf = (id: string) => `arn:aws:chime:${REGION}:${ACCOUNT}:vc/${id}`;
    async function tagsOf(id: string): Promise<Record<string, string>> {
      const client = new ChimeSDKVoiceClient({ region: REGION });
      try {
        const out = await client.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(id) }));
        return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key as string, t.Value as string]));
      } finally {
        client.destroy();
      }
    }
    const takenRecords = async (id: string) => Object.entries(await tagsOf(id)).filter(([k]) => k.startsWith(TAKEN_TAG_PREFIX));

    beforeEach(() => {
      for (const id of [ours, theirs, third]) emulator.seedVoiceConnector({ voiceConnectorId: id });
    });

    /** A number put on `theirs` by another stack's resource: this stack neither declares nor owns it. */
    async function onTheirs(n: string): Promise<void> {
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: theirs, PhoneNumbers: [n] }), 'ElsewhereOwned'));
      emulator.clearCalls();
    }

    describe('a number taken with ForceAssociate goes back where it came from on rollback', () => {
      it('records on the connector, before taking a number, which connector it came from', async () => {
        await onTheirs(numbers[0]);
        await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0], numbers[1]], ForceAssociate: 'true' })));
        const records = await takenRecords(ours);
        expect(records).toHaveLength(1);
        expect(records[0][0]).toBe(`${TAKEN_TAG_PREFIX}${numbers[0].slice(1)}`);
        expect(records[0][1]).toMatch(new RegExp(`^${theirs}@[0-9a-f]{16}$`));
        const ops = operations(emulator, mutating);
        expect(ops.indexOf('TagResource')).toBeLessThan(ops.indexOf('AssociatePhoneNumbersWithVoiceConnector'));
      });

      it('puts the number back on the connector it was taken from when the update that took it rolls back', async () => {
        // GIVEN a resource on our connector, and a number on theirs
        await onTheirs(numbers[1]);
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]], ForceAssociate: 'true' });
        const id = await created(before);
        // WHEN an update takes the number with ForceAssociate, then the stack rolls it back (old and new swapped)
        const after = { ...before, PhoneNumbers: [numbers[0], numbers[1]] };
        await onEvent(updateEvent(VC, id, after, before));
        expect(sorted(connectors()[ours])).toEqual(numbers.slice(0, 2));
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(updateEvent(VC, id, before, after));
        // THEN the number is back on theirs (not on no connector), and the record is gone
        expect(connectors()[theirs]).toEqual([numbers[1]]);
        expect(connectors()[ours]).toEqual([numbers[0]]);
        expect(await takenRecords(ours)).toEqual([]);
      });

      it('puts taken numbers back when the create that took them is rolled back (its Delete while the stack rolls back)', async () => {
        await onTheirs(numbers[0]);
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0], numbers[1]], ForceAssociate: 'true' });
        const id = await created(props);
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(VC, id, props));
        expect(connectors()[theirs]).toEqual([numbers[0]]);
        expect(connectors()[ours] ?? []).toEqual([]);
        expect(await takenRecords(ours)).toEqual([]);
      });

      it('takes a number off every connector when it is removed outside a rollback, and drops its record', async () => {
        await onTheirs(numbers[1]);
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0], numbers[1]], ForceAssociate: 'true' });
        const id = await created(before);
        const after = { ...before, PhoneNumbers: [numbers[0]] };
        await onEvent(updateEvent(VC, id, after, before));
        expect(connectors()[theirs] ?? []).toEqual([]);
        expect(connectors()[ours]).toEqual([numbers[0]]);
        expect(await takenRecords(ours)).toEqual([]);
      });

      it('disassociates, on rollback, a number that came from no connector', async () => {
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]], ForceAssociate: 'true' });
        const id = await created(before);
        const after = { ...before, PhoneNumbers: [numbers[0], numbers[1]] };
        await onEvent(updateEvent(VC, id, after, before));
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(updateEvent(VC, id, before, after));
        expect(connectors()[ours]).toEqual([numbers[0]]);
        expect(Object.values(connectors()).flat()).not.toContain(numbers[1]);
      });

      it('forgets where a number came from once a later change takes it from no connector', async () => {
        // GIVEN a number taken from theirs, then removed (its record dropped), then declared again from no connector
        await onTheirs(numbers[1]);
        const first = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0], numbers[1]], ForceAssociate: 'true' });
        const id = await created(first);
        const second = { ...first, PhoneNumbers: [numbers[0]] };
        await onEvent(updateEvent(VC, id, second, first));
        await onEvent(updateEvent(VC, id, first, second));
        // WHEN that last change rolls back THEN the number goes to no connector, not to theirs
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(updateEvent(VC, id, second, first));
        expect(connectors()[theirs] ?? []).toEqual([]);
        expect(connectors()[ours]).toEqual([numbers[0]]);
      });

      it('drops the records it wrote when the association fails', async () => {
        await onTheirs(numbers[0]);
        emulator.injectFault({
          kind: 'phoneNumberError',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          phoneNumber: numbers[1],
          errorCode: 'Forbidden',
        });
        await expect(
          onEvent(createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0], numbers[1]], ForceAssociate: 'true' }))),
        ).rejects.toThrow(/\+12065550101 \(Forbidden/);
        expect(connectors()[theirs]).toEqual([numbers[0]]);
        expect(await takenRecords(ours)).toEqual([]);
      });

      it('leaves the records of another resource on the same connector alone when it is deleted', async () => {
        await onTheirs(numbers[0]);
        await onTheirs(numbers[1]);
        const mine = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]], ForceAssociate: 'true' });
        const id = await created(mine);
        await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[1]], ForceAssociate: 'true' }), 'Sibling'));
        await onEvent(deleteEvent(VC, id, mine));
        const records = await takenRecords(ours);
        expect(records.map(([k]) => k)).toEqual([`${TAKEN_TAG_PREFIX}${numbers[1].slice(1)}`]);
      });

      it('leaves a number on this connector when the connector it came from cannot take it back', async () => {
        await onTheirs(numbers[0]);
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]], ForceAssociate: 'true' });
        const id = await created(props);
        emulator.injectFault({
          kind: 'phoneNumberError',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          phoneNumber: numbers[0],
          errorCode: 'ServiceFailure',
        });
        stackState.rollingBack.mockResolvedValue(true);
        await onEvent(deleteEvent(VC, id, props));
        // a line left on our connector is recoverable; a number on no connector is not
        expect(connectors()[ours]).toEqual([numbers[0]]);
      });
    });

    describe('a number another VoiceConnectorNumbers of the stack declares is never taken off its connector', () => {
      const declaring = (logicalId: string, properties: Record<string, unknown>) => [{ logicalId, properties }];

      it("keeps, on the old resource's cleanup Delete after a rename, the numbers the new one declares on the same connector", async () => {
        // GIVEN the old resource and its renamed successor, which declares the same numbers on the same connector
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: numbers.slice(0, 2) });
        const id = await created(props);
        await onEvent(createEvent(VC, props, 'Renamed'));
        stackState.declarations.mockResolvedValue(
          declaring('Renamed', { VoiceConnectorId: ours, Region: REGION, PhoneNumbers: numbers.slice(0, 2) }),
        );
        emulator.clearCalls();
        // WHEN the old one is deleted in the cleanup phase
        await onEvent(deleteEvent(VC, id, props));
        // THEN the numbers stay, and nothing was disassociated
        expect(sorted(connectors()[ours])).toEqual(numbers.slice(0, 2));
        expect(operations(emulator, mutating)).not.toContain('DisassociatePhoneNumbersFromVoiceConnector');
        expect(stackState.declarations).toHaveBeenCalledWith(
          expect.stringContaining(':stack/'),
          VC,
          'Resource',
          expect.objectContaining({ RequestType: 'Delete' }),
        );
      });

      it("keeps, on the new resource's Delete in a rollback, the numbers the old one still declares", async () => {
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: numbers.slice(0, 2) });
        await created(props);
        const { PhysicalResourceId: renamedId } = await onEvent(createEvent(VC, props, 'Renamed'));
        // the template is the previous one: it declares 'Resource'
        stackState.rollingBack.mockResolvedValue(true);
        stackState.declarations.mockResolvedValue(
          declaring('Resource', { VoiceConnectorId: ours, Region: REGION, PhoneNumbers: numbers.slice(0, 2) }),
        );
        await onEvent(deleteEvent(VC, renamedId, props, 'Renamed'));
        expect(sorted(connectors()[ours])).toEqual(numbers.slice(0, 2));
      });

      it('keeps a number an update drops when another resource now declares it on the same connector', async () => {
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: numbers.slice(0, 3) });
        const id = await created(before);
        stackState.declarations.mockResolvedValue(
          declaring('Other', { VoiceConnectorId: ours, Region: REGION, PhoneNumbers: [numbers[2], numbers[5]] }),
        );
        await onEvent(updateEvent(VC, id, { ...before, PhoneNumbers: numbers.slice(0, 1) }, before));
        // numbers[1] is no one's: off; numbers[2] is the other resource's now: kept
        expect(sorted(connectors()[ours])).toEqual([numbers[0], numbers[2]]);
      });

      it('takes a number off when the other resource declares it on another connector', async () => {
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] });
        const id = await created(props);
        stackState.declarations.mockResolvedValue(
          declaring('Other', { VoiceConnectorId: third, Region: REGION, PhoneNumbers: [numbers[0]] }),
        );
        await onEvent(deleteEvent(VC, id, props));
        expect(connectors()[ours] ?? []).toEqual([]);
      });

      it('takes a number off when the other resource declares it in another region', async () => {
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] });
        const id = await created(props);
        stackState.declarations.mockResolvedValue(
          declaring('Other', { VoiceConnectorId: ours, Region: ALT_REGION, PhoneNumbers: [numbers[0]] }),
        );
        await onEvent(deleteEvent(VC, id, props));
        expect(connectors()[ours] ?? []).toEqual([]);
      });

      it.each([
        ['connector', { VoiceConnectorId: UNRESOLVED, Region: REGION, PhoneNumbers: ['+12065550100'] }],
        ['number', { VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', Region: REGION, PhoneNumbers: [UNRESOLVED] }],
        ['number list', { VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', Region: REGION, PhoneNumbers: UNRESOLVED }],
      ])("keeps the numbers when another declaration's %s cannot be resolved (and warns)", async (_what, properties) => {
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] });
        const id = await created(props);
        stackState.declarations.mockResolvedValue(declaring('Other', properties));
        const warn = jest.spyOn(Logger.prototype, 'warn');
        await onEvent(deleteEvent(VC, id, props));
        expect(connectors()[ours]).toEqual([numbers[0]]);
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unresolvable.*keeping/), expect.objectContaining({ logicalId: 'Other' }));
      });

      it('asks for the declarations only when a number would otherwise be taken off', async () => {
        const props = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] });
        const id = await created(props);
        await onEvent(updateEvent(VC, id, { ...props, PhoneNumbers: [numbers[0], numbers[1]] }, props));
        expect(stackState.declarations).not.toHaveBeenCalled();
      });
    });
    describe('a change that fails for a passing reason is run again by isComplete, never failing a rollback for it', () => {
      it('makes a create in isComplete: onEvent answers its physical id with no call; a throttled poll is polled again', async () => {
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          errorName: 'ThrottledClientException',
          status: 429,
          message: 'Rate exceeded',
          times: MAX_THROTTLED_ATTEMPTS,
        });
        const event = createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: numbers.slice(0, 2) }));
        const result = await handlerOnEvent(event);
        expect(result).toMatchObject({
          PhysicalResourceId: expect.stringMatching(/^voice-connector-numbers\/us-east-1\//),
          [RETRY_LATER_KEY]: expect.any(String),
        });
        expect(operations(emulator)).toEqual([]);
        expect(await isComplete(afterOnEvent(event, result))).toEqual({ IsComplete: false });
        expect(connectors()[ours] ?? []).toEqual([]);
        expect(await isComplete(afterOnEvent(event, result))).toEqual({ IsComplete: true });
        expect(connectors()[ours]).toEqual(numbers.slice(0, 2));
      });

      it("answers an update's onEvent with its physical id when throttled past the retries, and completes once isComplete runs the change again", async () => {
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] });
        const id = await created(before);
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          errorName: 'ThrottledClientException',
          status: 429,
          message: 'Rate exceeded',
          times: MAX_THROTTLED_ATTEMPTS,
        });
        const event = updateEvent(VC, id, { ...before, PhoneNumbers: numbers.slice(0, 2) }, before);
        const result = await handlerOnEvent(event);
        expect(result).toMatchObject({ PhysicalResourceId: id, [RETRY_LATER_KEY]: expect.stringMatching(/Rate exceeded/) });
        expect(await isComplete(afterOnEvent(event, result))).toEqual({ IsComplete: true });
        expect(connectors()[ours]).toEqual(numbers.slice(0, 2));
      });

      it('completes a rollback Update whose association meets a retryable PhoneNumberErrors entry on a later poll', async () => {
        await onTheirs(numbers[1]);
        const before = vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]], ForceAssociate: 'true' });
        const id = await created(before);
        const after = { ...before, PhoneNumbers: [numbers[0], numbers[1]] };
        await onEvent(updateEvent(VC, id, after, before));
        stackState.rollingBack.mockResolvedValue(true);
        emulator.injectFault({
          kind: 'phoneNumberError',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          phoneNumber: numbers[1],
          errorCode: 'Conflict',
        });
        const rollback = updateEvent(VC, id, before, after);
        const result = await handlerOnEvent(rollback);
        expect(result[RETRY_LATER_KEY as keyof typeof result]).toMatch(/Conflict/);
        expect(await isComplete(afterOnEvent(rollback, result))).toEqual({ IsComplete: true });
        expect(connectors()[theirs]).toEqual([numbers[1]]);
        expect(connectors()[ours]).toEqual([numbers[0]]);
      });

      it('keeps polling while the failure lasts, and fails with it at the completion deadline', async () => {
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          errorName: 'ServiceFailureException',
          status: 500,
          message: 'Service failure',
          times: 3 * MAX_ATTEMPTS,
        });
        const event = createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] }));
        const request = afterOnEvent(event, await handlerOnEvent(event));
        expect(await isComplete(request)).toEqual({ IsComplete: false });
        const late = { ...request, CdkPhoneNumbersStartedAt: Date.now() - DEFAULT_COMPLETION_TIMEOUT_MS - 1 };
        await expect(isComplete(late as never)).rejects.toThrow(/Service failure/);
        expect(connectors()[ours] ?? []).toEqual([]);
      });

      it('does not retry what cannot pass: a number on another connector without forceAssociate fails at once', async () => {
        await onTheirs(numbers[0]);
        await expect(onEvent(createEvent(VC, vcProps({ VoiceConnectorId: ours, PhoneNumbers: [numbers[0]] })))).rejects.toThrow(
          /PhoneNumberAssociationsExist/,
        );
      });
    });

    describe('a Region replacement rolled back, in both shapes', () => {
      beforeEach(() => {
        emulator.seedVoiceConnector({ voiceConnectorId: ours, region: ALT_REGION });
        for (const n of numbers.slice(0, 2)) emulator.seedChimeNumber({ phoneNumber: n, region: ALT_REGION });
      });
      const east = () => vcProps({ VoiceConnectorId: ours, PhoneNumbers: numbers.slice(0, 2) });
      const west = () => ({ ...east(), Region: ALT_REGION });

      it("the rollback Update of a failed replacement (on the original physical id) takes the new Region's numbers off", async () => {
        const id = await created(east());
        // the forward replacement associated in the new Region, then failed (its Update did not complete)
        const { PhysicalResourceId: westId } = await onEvent(updateEvent(VC, id, west(), east()));
        expect(westId).not.toBe(id);
        stackState.rollingBack.mockResolvedValue(true);
        const r = await onEvent(updateEvent(VC, id, east(), west()));
        expect(r.PhysicalResourceId).toBe(id);
        expect(sorted(connectors(REGION)[ours])).toEqual(numbers.slice(0, 2));
        expect(connectors(ALT_REGION)[ours] ?? []).toEqual([]);
      });

      it("update-then-delete: the Update of the new physical id takes the new Region's numbers off; the Delete with the old properties changes nothing", async () => {
        const id = await created(east());
        const { PhysicalResourceId: westId } = await onEvent(updateEvent(VC, id, west(), east()));
        stackState.rollingBack.mockResolvedValue(true);
        const r = await onEvent(updateEvent(VC, westId, east(), west()));
        expect(r.PhysicalResourceId).toBe(id);
        expect(connectors(ALT_REGION)[ours] ?? []).toEqual([]);
        await onEvent(deleteEvent(VC, westId, east()));
        expect(sorted(connectors(REGION)[ours])).toEqual(numbers.slice(0, 2));
      });

      it('a forward replacement run again by isComplete (after a passing failure) still leaves the old Region alone', async () => {
        const id = await created(east());
        emulator.injectFault({
          kind: 'error',
          operation: 'AssociatePhoneNumbersWithVoiceConnector',
          errorName: 'ThrottledClientException',
          status: 429,
          message: 'Rate exceeded',
          times: MAX_THROTTLED_ATTEMPTS,
        });
        const event = updateEvent(VC, id, west(), east());
        const result = await handlerOnEvent(event);
        expect(result[RETRY_LATER_KEY as keyof typeof result]).toBeDefined();
        expect(await isComplete(afterOnEvent(event, result))).toEqual({ IsComplete: true });
        expect(sorted(connectors(REGION)[ours])).toEqual(numbers.slice(0, 2));
        expect(sorted(connectors(ALT_REGION)[ours])).toEqual(numbers.slice(0, 2));
      });

      it('a forward replacement leaves the old Region to the cleanup Delete', async () => {
        const id = await created(east());
        await onEvent(updateEvent(VC, id, west(), east()));
        expect(sorted(connectors(REGION)[ours])).toEqual(numbers.slice(0, 2));
        expect(sorted(connectors(ALT_REGION)[ours])).toEqual(numbers.slice(0, 2));
        await onEvent(deleteEvent(VC, id, east()));
        expect(connectors(REGION)[ours] ?? []).toEqual([]);
      });
    });
  });

  // The contract suite's former gap move-between-in-parallel: CloudFormation runs independent resources at once.
  describe('a number on a connector a sibling of the stack declares without it now is waited for', () => {
    const a = 'av0iceconnector0000001';
    const b = 'bv0iceconnector0000002';
    const trunkNow = (list: string[], connector = a) => [
      { logicalId: 'Trunk', properties: { VoiceConnectorId: connector, Region: REGION, PhoneNumbers: list } },
    ];
    const otherBefore = () => vcProps({ VoiceConnectorId: b, PhoneNumbers: [numbers[2]] });
    const otherAfter = () => vcProps({ VoiceConnectorId: b, PhoneNumbers: [numbers[2], numbers[1]] });

    /** Trunk holds numbers 0 and 1 on A, Other number 2 on B; Other's update now asks for number 1. */
    async function moveStarted() {
      const trunk = vcProps({ VoiceConnectorId: a, PhoneNumbers: numbers.slice(0, 2) });
      const trunkId = (await onEvent(createEvent(VC, trunk, 'Trunk'))).PhysicalResourceId;
      const otherId = (await onEvent(createEvent(VC, otherBefore(), 'Other'))).PhysicalResourceId;
      emulator.clearCalls();
      const update = updateEvent(VC, otherId, otherAfter(), otherBefore(), 'Other');
      return { trunk, trunkId, update, request: afterOnEvent(update, await handlerOnEvent(update)) };
    }

    it('retries until the sibling has taken it off, then associates it', async () => {
      stackState.declarations.mockResolvedValue(trunkNow([numbers[0]]));
      const { trunk, trunkId, request } = await moveStarted();
      // THEN onEvent asked isComplete to run the change again, and the number stays where it is meanwhile
      expect(request[RETRY_LATER_KEY as keyof typeof request]).toMatch(/waits for their release by another VoiceConnectorNumbers/);
      expect(await isComplete(request)).toEqual({ IsComplete: false });
      expect(sorted(connectors()[a])).toEqual(numbers.slice(0, 2));
      expect(operations(emulator, mutating)).not.toContain('DisassociatePhoneNumbersFromVoiceConnector');
      // WHEN the sibling's update takes it off A
      await onEvent(updateEvent(VC, trunkId, { ...trunk, PhoneNumbers: [numbers[0]] }, trunk, 'Trunk'));
      // THEN the next poll puts it on B
      expect(await isComplete(request)).toEqual({ IsComplete: true });
      expect(sorted(connectors()[b])).toEqual(sorted([numbers[1], numbers[2]]));
      expect(connectors()[a]).toEqual([numbers[0]]);
    });

    it('fails at the completion deadline naming the number, the connector and the sibling', async () => {
      stackState.declarations.mockResolvedValue(trunkNow([numbers[0]]));
      const { request } = await moveStarted();
      const late = { ...request, CdkPhoneNumbersStartedAt: Date.now() - DEFAULT_COMPLETION_TIMEOUT_MS - 1 };
      await expect(isComplete(late as never)).rejects.toThrow(/\+12065550101 \(on 'av0iceconnector0000001', held by Trunk\)/);
      // AND nothing was taken off A
      expect(sorted(connectors()[a])).toEqual(numbers.slice(0, 2));
    });

    it('refuses at once when the sibling still declares the number there', async () => {
      stackState.declarations.mockResolvedValue(trunkNow(numbers.slice(0, 2)));
      await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: a, PhoneNumbers: numbers.slice(0, 2) }), 'Trunk'));
      const otherId = (await onEvent(createEvent(VC, otherBefore(), 'Other'))).PhysicalResourceId;
      const update = updateEvent(VC, otherId, otherAfter(), otherBefore(), 'Other');
      await expect(handlerOnEvent(update)).rejects.toThrow(/PhoneNumberAssociationsExist/);
      expect(sorted(connectors()[a])).toEqual(numbers.slice(0, 2));
    });

    it('refuses at once a number on a connector nothing in the stack declares, and reads the stack only on a refusal', async () => {
      stackState.declarations.mockResolvedValue(trunkNow([numbers[0]], 'otherv0iceconnector001'));
      await created(vcProps({ VoiceConnectorId: a, PhoneNumbers: numbers.slice(0, 2) }));
      expect(stackState.declarations).not.toHaveBeenCalled();
      await expect(onEvent(createEvent(VC, otherAfter(), 'Other'))).rejects.toThrow(/PhoneNumberAssociationsExist/);
      expect(stackState.declarations).toHaveBeenCalledTimes(1);
      expect(sorted(connectors()[a])).toEqual(numbers.slice(0, 2));
    });
  });
});
