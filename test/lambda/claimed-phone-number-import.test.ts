/**
 * Custom::ClaimedPhoneNumber in import mode (SourcePhoneNumberArn): the handler against the emulator's
 * ImportPhoneNumber, under both readings of what a release does to an imported number
 * (`importedNumberRelease`, docs/service-facts.md).
 */
import { OWNER_TAG_KEY } from '../../lambda/contract';
import { ownershipValue } from '../../lambda/identity';
import { isComplete, onEvent } from '../../lambda/index';
import { pendingId } from '../../lambda/resources/claimed-phone-number';
import * as stack from '../../lambda/stack';
import { createManualClock, type Emulator, type ImportedNumberRelease, type ManualClock } from '../../local/emulator';
import {
  CLAIMED,
  STACK_ID,
  afterOnEvent,
  claimedProps,
  createEvent,
  deleteEvent,
  mutating,
  operations,
  runToCompletion,
  startTestEmulator,
  updateEvent,
} from './fixtures';

const INSTANCE_ID = '11111111-1111-4111-8111-111111111111';
const NUMBER = '+12065550150';

describe.each<ImportedNumberRelease>(['return-to-source', 'release-source'])(
  'Custom::ClaimedPhoneNumber importing from End User Messaging (a release %s)',
  (reading) => {
    let emulator: Emulator;
    let clock: ManualClock;
    let instanceArn: string;
    let otherInstanceArn: string;
    let source: string;
    let status: jest.SpyInstance;

    beforeEach(async () => {
      clock = createManualClock();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, importedNumberRelease: reading });
      instanceArn = emulator.seedInstance({ instanceId: INSTANCE_ID });
      otherInstanceArn = emulator.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
      source = emulator.seedSourceNumber({ phoneNumber: NUMBER, countryCode: 'US', type: 'TOLL_FREE' });
      status = jest.spyOn(stack, 'stackStatus').mockResolvedValue('CREATE_IN_PROGRESS');
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await emulator.stop();
    });

    const settle = (): void => clock.advance(1000);
    const props = (extra: Record<string, unknown> = {}) =>
      claimedProps({ TargetArn: instanceArn, SourcePhoneNumberArn: source, RemovalPolicy: 'retain-except-on-create', ...extra });
    const imported = () => emulator.snapshot().claimed.filter((n) => n.sourcePhoneNumberArn === source);
    const sourceLeft = () => emulator.snapshot().sourceNumbers.find((s) => s.sourcePhoneNumberArn === source);
    /** After a release: the source is importable again, or gone for good, as the reading says. */
    const expectReleasedPerReading = () => {
      expect(imported()).toEqual([]);
      if (reading === 'return-to-source') expect(sourceLeft()).toEqual({ sourcePhoneNumberArn: source, phoneNumber: NUMBER });
      else expect(sourceLeft()).toBeUndefined();
    };
    const deleteToCompletion = async (physicalId: string, p: Record<string, unknown>) => {
      const del = deleteEvent(CLAIMED, physicalId, p);
      const result = await onEvent(del);
      for (let poll = 0; poll < 5; poll++) {
        const done = await isComplete(afterOnEvent(del, result));
        if (done.IsComplete) return;
        clock.advance(60_000);
      }
      throw new Error('the delete did not complete');
    };

    it('imports in isComplete under a pending id: one ImportPhoneNumber with a token from the event, owned as a claim, attributes answered', async () => {
      const event = createEvent(CLAIMED, props({ Description: 'SMS line', Tags: [{ Key: 'team', Value: 'sms' }] }));
      expect(await onEvent(event)).toEqual({ PhysicalResourceId: pendingId(event.RequestId) });
      expect(emulator.calls()).toEqual([]);
      const { response, isComplete: done } = await runToCompletion(event, settle);
      const [n] = imported();
      expect(n).toMatchObject({
        phoneNumber: NUMBER,
        targetArn: instanceArn,
        status: 'CLAIMED',
        description: 'SMS line',
        tags: { team: 'sms', [OWNER_TAG_KEY]: ownershipValue(STACK_ID, 'Resource', event.RequestId, 'claim') },
      });
      expect(response.PhysicalResourceId).toBe(n.phoneNumberArn);
      expect(done.Data).toEqual({
        PhoneNumberArn: n.phoneNumberArn,
        PhoneNumberId: n.phoneNumberId,
        PhoneNumber: NUMBER,
        TargetArn: instanceArn,
      });
      const call = emulator.calls().find((c) => c.operation === 'ImportPhoneNumber');
      expect(call?.input).toMatchObject({
        InstanceId: INSTANCE_ID,
        SourcePhoneNumberArn: source,
        ClientToken: expect.stringMatching(/^[a-f0-9-]{36}$/),
      });
      expect(operations(emulator, mutating)).toEqual(['ImportPhoneNumber']);
    });

    it('a later poll of the same create (or a replay) imports nothing more: it finds its import by the source and its marker', async () => {
      const event = createEvent(CLAIMED, props());
      const pending = await onEvent(event);
      expect(await isComplete(afterOnEvent(event, pending))).toEqual({ IsComplete: false });
      settle();
      const done = await isComplete(afterOnEvent(event, pending));
      expect(done).toMatchObject({ IsComplete: true, PhysicalResourceId: imported()[0].phoneNumberArn });
      expect(operations(emulator, (op) => op === 'ImportPhoneNumber')).toHaveLength(1);
    });

    it('an import whose answer is lost (applied, connection dropped) is found by its marker, not imported twice', async () => {
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'ImportPhoneNumber', times: 5 });
      const { response } = await runToCompletion(createEvent(CLAIMED, props()), settle);
      expect(imported()).toHaveLength(1);
      expect(response.PhysicalResourceId).toBe(imported()[0].phoneNumberArn);
    });

    it('refuses a source that is not in End User Messaging with an error naming it and what to check', async () => {
      const unknown = source.replace(/phone-[0-9a-f]+$/, 'phone-00000000000000000000000000000000');
      const event = createEvent(CLAIMED, props({ SourcePhoneNumberArn: unknown }));
      await expect(isComplete(afterOnEvent(event, await onEvent(event)))).rejects.toThrow(
        new RegExp(`phone number ${unknown} cannot be imported into ${instanceArn}: .*check that the number is in AWS End User Messaging`),
      );
      expect(emulator.snapshot().claimed).toEqual([]);
    });

    it('a create while the number is being released (a DESTROY delete still running) fails, naming it, and imports nothing', async () => {
      await emulator.stop();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, releaseDelayMs: 60_000, importedNumberRelease: reading });
      instanceArn = emulator.seedInstance({ instanceId: INSTANCE_ID });
      source = emulator.seedSourceNumber({ phoneNumber: NUMBER, countryCode: 'US', type: 'TOLL_FREE' });
      const first = (await runToCompletion(createEvent(CLAIMED, props({ RemovalPolicy: 'destroy' })), settle)).response;
      const del = deleteEvent(CLAIMED, first.PhysicalResourceId, props({ RemovalPolicy: 'destroy' }));
      expect(await isComplete(afterOnEvent(del, await onEvent(del)))).toEqual({ IsComplete: false });
      const event = createEvent(CLAIMED, props(), 'Again');
      await expect(isComplete(afterOnEvent(event, await onEvent(event)))).rejects.toThrow(
        new RegExp(`phone number ${source} is being released from Connect .*deploy again once the release is done`),
      );
      expect(operations(emulator, (op) => op === 'ImportPhoneNumber')).toHaveLength(1);
    });

    it('validates again in the handler what synth could not (a token): a source with a country code fails before any call', async () => {
      const event = createEvent(CLAIMED, props({ CountryCode: 'US' }));
      await expect(onEvent(event)).rejects.toThrow(/sourcePhoneNumberArn '.*' and countryCode 'US' are both set/);
      expect(emulator.calls()).toEqual([]);
    });

    describe('what a Delete does to the imported number', () => {
      const created = async (extra: Record<string, unknown> = {}) =>
        (await runToCompletion(createEvent(CLAIMED, props(extra)), settle)).response;

      it('RETAIN_ON_UPDATE_OR_DELETE: a Delete leaves it imported', async () => {
        const r = await created();
        status.mockResolvedValue('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        await deleteToCompletion(r.PhysicalResourceId, props());
        expect(imported()).toHaveLength(1);
        expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
      });

      it('RETAIN: a Delete leaves it imported, in a rollback too', async () => {
        const r = await created({ RemovalPolicy: 'retain' });
        status.mockResolvedValue('ROLLBACK_IN_PROGRESS');
        await deleteToCompletion(r.PhysicalResourceId, props({ RemovalPolicy: 'retain' }));
        expect(imported()).toHaveLength(1);
      });

      it('DESTROY: a Delete releases it; what then remains in End User Messaging is the reading of the release', async () => {
        const r = await created({ RemovalPolicy: 'destroy' });
        status.mockResolvedValue('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        await deleteToCompletion(r.PhysicalResourceId, props({ RemovalPolicy: 'destroy' }));
        expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toHaveLength(1);
        expectReleasedPerReading();
      });

      it('the rollback of the deploy that imported it keeps it (default policy), and the next create takes it back without importing again', async () => {
        const r = await created();
        status.mockResolvedValue('ROLLBACK_IN_PROGRESS');
        await deleteToCompletion(r.PhysicalResourceId, props());
        expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
        expect(imported()).toHaveLength(1);
        // WHEN the deploy is tried again
        status.mockResolvedValue('CREATE_IN_PROGRESS');
        emulator.clearCalls();
        const again = await created();
        // THEN it holds the same number, imported once
        expect(again.PhysicalResourceId).toBe(r.PhysicalResourceId);
        expect(operations(emulator, (op) => op === 'ImportPhoneNumber')).toEqual([]);
        expect(imported()).toHaveLength(1);
      });

      it('the rollback of the deploy that imported it releases it under DESTROY', async () => {
        const r = await created({ RemovalPolicy: 'destroy' });
        status.mockResolvedValue('ROLLBACK_IN_PROGRESS');
        await deleteToCompletion(r.PhysicalResourceId, props({ RemovalPolicy: 'destroy' }));
        expectReleasedPerReading();
      });
    });

    describe('a create that fails', () => {
      it('an import that ends FAILED fails the create; the Delete of its pending id leaves the FAILED import, and a retry imports it', async () => {
        emulator.injectFault({ kind: 'asyncFail', operation: 'ImportPhoneNumber', phoneNumber: NUMBER, message: 'carrier refused' });
        const event = createEvent(CLAIMED, props());
        const pending = await onEvent(event);
        await isComplete(afterOnEvent(event, pending)).catch(() => undefined);
        settle();
        await expect(isComplete(afterOnEvent(event, pending))).rejects.toThrow(/import of \+12065550150 failed: carrier refused/);
        status.mockResolvedValue('ROLLBACK_IN_PROGRESS');
        await deleteToCompletion(pending.PhysicalResourceId, props());
        expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
        expect(imported()).toMatchObject([{ status: 'FAILED' }]);
        status.mockResolvedValue('CREATE_IN_PROGRESS');
        const { response } = await runToCompletion(createEvent(CLAIMED, props()), settle);
        expect(imported()).toMatchObject([{ phoneNumberArn: response.PhysicalResourceId, status: 'CLAIMED' }]);
      });

      it('under DESTROY, the FAILED import is released at once and the source stays in End User Messaging', async () => {
        emulator.injectFault({ kind: 'asyncFail', operation: 'ImportPhoneNumber', phoneNumber: NUMBER });
        const event = createEvent(CLAIMED, props({ RemovalPolicy: 'destroy' }));
        const pending = await onEvent(event);
        await isComplete(afterOnEvent(event, pending)).catch(() => undefined);
        settle();
        await expect(isComplete(afterOnEvent(event, pending))).rejects.toThrow(/failed/);
        expect(imported()).toEqual([]);
        expect(sourceLeft()).toEqual({ sourcePhoneNumberArn: source, phoneNumber: NUMBER });
      });
    });

    describe('a source already imported in the account', () => {
      it('is adopted in place (moved to the target), and the rollback puts it back as it was', async () => {
        // GIVEN the source imported by hand into the other instance
        await runToCompletion(createEvent(CLAIMED, props({ TargetArn: otherInstanceArn, RemovalPolicy: 'retain' }), 'ByHand'), settle);
        const before = imported()[0];
        emulator.clearCalls();
        // WHEN a resource imports it into the instance
        const { response } = await runToCompletion(createEvent(CLAIMED, props()), settle);
        // THEN it is adopted: the same number, moved, never imported again
        expect(response.PhysicalResourceId).toBe(before.phoneNumberArn);
        expect(operations(emulator, (op) => op === 'ImportPhoneNumber')).toEqual([]);
        expect(imported()[0]).toMatchObject({ targetArn: instanceArn, tags: { [OWNER_TAG_KEY]: expect.stringContaining('/Resource@a') } });
        // AND a rollback puts it back where it was, with its owner
        status.mockResolvedValue('ROLLBACK_IN_PROGRESS');
        for (let i = 0; i < 6 && imported()[0].targetArn !== otherInstanceArn; i++) {
          await deleteToCompletion(response.PhysicalResourceId, props()).catch(() => undefined);
          settle();
        }
        await deleteToCompletion(response.PhysicalResourceId, props());
        expect(imported()[0]).toMatchObject({ targetArn: otherInstanceArn, tags: { [OWNER_TAG_KEY]: before.tags[OWNER_TAG_KEY] } });
        expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
      });
    });

    it('a change of source replaces: the new source is imported, the old number stays with the old physical id for its Delete', async () => {
      const first = (await runToCompletion(createEvent(CLAIMED, props()), settle)).response;
      const other = emulator.seedSourceNumber({ phoneNumber: '+12065550151' });
      const next = props({ SourcePhoneNumberArn: other });
      const { response } = await runToCompletion(updateEvent(CLAIMED, first.PhysicalResourceId, next, props()), settle);
      expect(response.PhysicalResourceId).not.toBe(first.PhysicalResourceId);
      expect(
        emulator
          .snapshot()
          .claimed.map((n) => n.sourcePhoneNumberArn)
          .sort(),
      ).toEqual([source, other].sort());
    });
  },
);
