import { ON_EVENT_RUNS } from '../../lambda/index';
import * as clients from '../../lambda/clients';
import { MAX_ATTEMPTS, MAX_THROTTLED_ATTEMPTS } from '../../lambda/clients';
import { PRIOR_TAG_KEY, readPrior } from '../../lambda/resources/claimed-phone-number/prior-state';
import { OWNER_TAG_KEY } from '../../lambda/contract';
import * as stack from '../../lambda/stack';
import { isComplete, onEvent } from '../../lambda/index';
import { RELEASE_TAG_KEY } from '../../lambda/resources/claimed-phone-number';
import { CHANGE_TAG_KEY } from '../../lambda/resources/claimed-phone-number/changes';
import { ownershipValue } from '../../lambda/identity';
import { createManualClock, type Emulator, type ManualClock } from '../../local/emulator';
import {
  ALT_REGION,
  CLAIMED,
  REGION,
  STACK_ID,
  STACK_NAME,
  afterOnEvent,
  claimedProps,
  createEvent,
  deleteEvent,
  mutating,
  operations,
  runToCompletion,
  startTestEmulator,
  updateEvent,
  usNumbers,
} from './fixtures';

const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

describe('Custom::ClaimedPhoneNumber', () => {
  let emulator: Emulator;
  let clock: ManualClock;
  let instanceArn: string;
  let otherInstanceArn: string;

  beforeEach(async () => {
    clock = createManualClock();
    emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, cooldownMs: 30 * 86_400_000 });
    instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    otherInstanceArn = emulator.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
    emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(10) });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const settle = (): void => clock.advance(1000);
  /**
   * One poll of a create as the framework runs it: onEvent (which answers a pending id and makes no call),
   * then isComplete, whose first poll claims or adopts and each later poll goes on from there.
   */
  const createPoll = async (event: ReturnType<typeof createEvent>) => isComplete(afterOnEvent(event, await onEvent(event)));
  const claimed = () => emulator.snapshot().claimed;
  const claimedNumberOf = (arn: string): string | undefined =>
    emulator
      .calls()
      .find((c) => c.operation === 'ClaimPhoneNumber' && (c.output as { PhoneNumberArn?: string } | undefined)?.PhoneNumberArn === arn)
      ?.input.PhoneNumber as string | undefined;

  describe('create by search', () => {
    it('claims one available number, waits for CLAIMED and answers its ARN and attributes', async () => {
      // GIVEN a search declaration
      const event = createEvent(
        CLAIMED,
        claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Type: 'DID', Description: 'Support line' }),
      );
      // WHEN the event runs to completion
      const { response: result, isComplete: done, polls } = await runToCompletion(event, settle);
      // THEN exactly one number is claimed, tagged as owned, with the ARN as physical id
      expect(claimed()).toHaveLength(1);
      const n = claimed()[0];
      expect(n.status).toBe('CLAIMED');
      expect(n.description).toBe('Support line');
      expect(n.tags[OWNER_TAG_KEY]).toBe(ownershipValue(STACK_ID, 'Resource', event.RequestId, 'claim'));
      expect(n.tags[OWNER_TAG_KEY].startsWith(`${STACK_NAME}/Resource@`)).toBe(true);
      expect(result.PhysicalResourceId).toBe(n.phoneNumberArn);
      expect(done.Data).toEqual({
        PhoneNumberArn: n.phoneNumberArn,
        PhoneNumberId: n.phoneNumberId,
        PhoneNumber: n.phoneNumber,
        TargetArn: instanceArn,
      });
      // poll 1 claims (IN_PROGRESS for 1000 ms), poll 2 (a second later) sees it CLAIMED
      expect(polls).toBe(2);
    });

    it('sends a deterministic UUID-shaped client token', async () => {
      // GIVEN one event delivered twice, and another event of the same resource
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      await createPoll(event);
      await createPoll(event);
      await createPoll(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })));
      // THEN every claim carries a UUID-shaped token, the same for both deliveries, another for the other event
      const tokens = emulator
        .calls()
        .filter((c) => c.operation === 'ClaimPhoneNumber')
        .map((c) => c.input.ClientToken as string);
      expect(tokens.length).toBeGreaterThanOrEqual(3);
      for (const t of tokens) expect(t).toMatch(UUID);
      expect(new Set(tokens.slice(0, -1)).size).toBe(1);
      expect(tokens[tokens.length - 1]).not.toBe(tokens[0]);
    });

    it('does not always take the first search result, so parallel creates do not collide', async () => {
      // WHEN eight creates run one after another, each seeing the numbers the others left
      let tookFirst = 0;
      for (let i = 0; i < 8; i++) {
        const lowest = usNumbers(10).filter((n) => !claimed().some((c) => c.phoneNumber === n))[0];
        const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }), `N${i}`);
        await createPoll(event);
        if (
          claimed().find((c) => c.tags[OWNER_TAG_KEY] === ownershipValue(STACK_ID, `N${i}`, event.RequestId, 'claim'))?.phoneNumber ===
          lowest
        )
          tookFirst++;
      }
      // THEN not every create took the first (lowest) candidate of the list it saw (by chance: 1 in 1.8 million)
      expect(tookFirst).toBeLessThan(8);
    });

    it('never claims a number that another resource of the stack declares', async () => {
      // GIVEN every available number but one is declared elsewhere in the stack
      const all = usNumbers(10);
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US', ExcludedPhoneNumbers: all.slice(1) }));
      // WHEN the search-mode create runs
      await runToCompletion(event, settle);
      // THEN it took the one number nobody else declares
      expect(claimed().map((n) => n.phoneNumber)).toEqual([all[0]]);
      // AND a second search with the same exclusions finds nothing left, though nine numbers are available
      const second = createEvent(
        CLAIMED,
        claimedProps({ TargetArn: instanceArn, CountryCode: 'US', ExcludedPhoneNumbers: all.slice(1) }),
        'Second',
      );
      await expect(createPoll(second)).rejects.toThrow(/no phone number is available for country US, type DID/);
      expect(claimed()).toHaveLength(1);
    });

    it('moves on to another candidate when it loses the race for one', async () => {
      // GIVEN the first claims of two candidates are lost to someone else
      emulator.injectFault({
        kind: 'error',
        operation: 'ClaimPhoneNumber',
        times: 2,
        errorName: 'InvalidParameterException',
        status: 400,
        message: 'Phone number not available: +12065550100',
      });
      // WHEN a search create runs
      await runToCompletion(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })), settle);
      // THEN it claimed exactly one number, on the third try (a later poll's claim with the same token is refused)
      expect(
        emulator
          .calls()
          .filter((c) => c.operation === 'ClaimPhoneNumber')
          .slice(0, 3)
          .map((c) => c.status),
      ).toEqual([400, 400, 200]);
      expect(emulator.calls().filter((c) => c.operation === 'ClaimPhoneNumber' && c.status === 200)).toHaveLength(1);
      expect(claimed()).toHaveLength(1);
    });

    it('fails when no number is available, naming the filter', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'GB' }));
      await expect(createPoll(event)).rejects.toThrow(/no phone number is available for country GB, type DID/);
      expect(claimed()).toHaveLength(0);
    });

    it('fails after a bounded number of lost races', async () => {
      emulator.injectFault({
        kind: 'error',
        operation: 'ClaimPhoneNumber',
        times: 100,
        errorName: 'InvalidParameterException',
        status: 400,
        message: 'Phone number not available',
      });
      await expect(createPoll(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })))).rejects.toThrow(
        /after 20 attempt/,
      );
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(20);
    });

    it('claims no second number when the same event is delivered again', async () => {
      // GIVEN a create that already ran
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      await createPoll(event);
      // WHEN the framework delivers the same event again, and the waiter polls on
      await createPoll(event);
      const { response } = await runToCompletion(event, settle);
      // THEN it answers the number claimed the first time
      expect(claimed()).toHaveLength(1);
      expect(response.PhysicalResourceId).toBe(claimed()[0].phoneNumberArn);
    });

    it('ends with exactly one number when the claim response is lost after the claim was applied', async () => {
      // GIVEN the first ClaimPhoneNumber response is lost after the emulator applied it
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber', times: 1 });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      // WHEN the event runs (the SDK retries the same request with the same token)
      const { response: result } = await runToCompletion(event, settle);
      // THEN one number is claimed and it is the answered one
      expect(claimed()).toHaveLength(1);
      expect(result.PhysicalResourceId).toBe(claimed()[0].phoneNumberArn);
    });

    it('answers the number it claimed when every attempt of the claim loses its response, instead of failing and leaking it', async () => {
      // GIVEN the claim is applied but its response is lost on every SDK attempt (the framework reports a
      // failed onEvent to CloudFormation and never delivers the event again, so a failure would leak the number)
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber', times: MAX_ATTEMPTS });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      // WHEN the event runs
      const { response: result } = await runToCompletion(event, settle);
      // THEN it found and answered the one number it claimed
      expect(claimed()).toHaveLength(1);
      expect(result.PhysicalResourceId).toBe(claimed()[0].phoneNumberArn);
    });

    it('ends with exactly one number when a lost response makes the whole event run again', async () => {
      // GIVEN the claim response is lost on every SDK attempt, and the service is unreachable for the
      // lookup after it too, so the poll that claimed cannot tell which number it got
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber', times: MAX_ATTEMPTS });
      emulator.injectFault({
        kind: 'error',
        operation: 'ListPhoneNumbersV2',
        times: MAX_ATTEMPTS * ON_EVENT_RUNS,
        errorName: 'InternalServiceException',
        status: 500,
        message: 'unavailable',
      });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      expect(await createPoll(event)).toEqual({ IsComplete: false });
      expect(claimed()).toHaveLength(1);
      // WHEN the waiter polls again
      const { response: result } = await runToCompletion(event, settle);
      // THEN it finds the earlier claim instead of claiming another number
      expect(claimed()).toHaveLength(1);
      expect(result.PhysicalResourceId).toBe(claimed()[0].phoneNumberArn);
    });

    it('claims no second number when the same event is delivered again in an account with many matching numbers', async () => {
      // GIVEN more claimed numbers matching the declaration than one lookup used to read, listed before any candidate
      for (let i = 0; i < 60; i++)
        emulator.seedClaimedNumber({ phoneNumber: `+1206555${String(i).padStart(4, '0')}`, targetArn: instanceArn });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      await createPoll(event);
      // WHEN the framework delivers the same event again
      await createPoll(event);
      // THEN no other number was claimed: the second claim with the event's token was refused
      expect(claimed().filter((n) => n.tags[OWNER_TAG_KEY] !== undefined)).toHaveLength(1);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber').length).toBeGreaterThanOrEqual(2);
      expect(emulator.calls().filter((c) => c.operation === 'ClaimPhoneNumber' && c.status === 200)).toHaveLength(1);
    });

    it('releases the number it claimed when the claim ends FAILED, and fails with the service message', async () => {
      // GIVEN every candidate's claim ends FAILED
      for (const n of usNumbers(10))
        emulator.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: n, message: 'Carrier rejected the number' });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      await createPoll(event);
      settle();
      // WHEN isComplete sees FAILED
      await expect(createPoll(event)).rejects.toThrow(/Carrier rejected the number.*released/);
      // THEN the number went back: nothing is left claimed
      expect(claimed()).toHaveLength(0);
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toHaveLength(1);
    });

    it('keeps polling while the claim is IN_PROGRESS', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      expect(await createPoll(event)).toEqual({ IsComplete: false });
      settle();
      expect((await createPoll(event)).IsComplete).toBe(true);
    });

    it('absorbs throttling while polling: answers not complete instead of failing', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      await createPoll(event);
      settle();
      emulator.injectFault({
        kind: 'error',
        operation: 'DescribePhoneNumber',
        times: MAX_THROTTLED_ATTEMPTS,
        errorName: 'ThrottlingException',
        status: 429,
        message: 'Rate exceeded',
      });
      expect(await createPoll(event)).toEqual({ IsComplete: false });
      expect((await createPoll(event)).IsComplete).toBe(true);
    });
  });

  describe('a create waiting for its claim in one invocation (the default outside local runs)', () => {
    beforeEach(() => {
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '60000';
      process.env.PHONE_NUMBERS_SETTLE_POLL_MS = '500';
      // The handler's pauses pass on the emulator's clock: the claim settles while the invocation waits.
      jest.spyOn(clients, 'sleep').mockImplementation(async (ms: number) => clock.advance(ms));
    });
    afterEach(() => {
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '0';
      delete process.env.PHONE_NUMBERS_SETTLE_POLL_MS;
      jest.restoreAllMocks();
    });

    it('claims, waits for CLAIMED and answers the ARN in the first poll, with one search and one claim', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      const pending = await onEvent(event);
      expect(pending).toEqual({ PhysicalResourceId: `cdk-phone-numbers:pending:${event.RequestId}` });
      expect(emulator.calls()).toEqual([]);

      const done = await isComplete(afterOnEvent(event, pending));

      expect(claimed()).toHaveLength(1);
      expect(done).toEqual({
        IsComplete: true,
        PhysicalResourceId: claimed()[0].phoneNumberArn,
        Data: expect.objectContaining({ PhoneNumber: claimed()[0].phoneNumber }),
      });
      expect(operations(emulator, (op) => op === 'SearchAvailablePhoneNumbers' || op === 'ClaimPhoneNumber')).toEqual([
        'SearchAvailablePhoneNumbers',
        'ClaimPhoneNumber',
      ]);
      // 1000 ms of asynchronous claim, checked every 500 ms: three reads
      expect(operations(emulator, (op) => op === 'DescribePhoneNumber')).toHaveLength(3);
    });

    it('a Delete releases, then waits in the same invocation until the number has left the list, reading it once', async () => {
      // GIVEN a release that takes 1200 ms
      await emulator.stop();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, releaseDelayMs: 1200 });
      instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(10) });
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101', RemovalPolicy: 'destroy' });
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '60000'; // startTestEmulator turns the wait off
      const { response } = await runToCompletion(createEvent(CLAIMED, props));
      emulator.clearCalls();
      // WHEN its Delete is checked once
      const del = deleteEvent(CLAIMED, response.PhysicalResourceId, props);
      const done = await isComplete(afterOnEvent(del, await onEvent(del)));
      // THEN it is complete: one DescribePhoneNumber for the decision, then ListPhoneNumbersV2 until it is gone
      expect(done).toEqual({ IsComplete: true });
      expect(claimed()).toEqual([]);
      expect(operations(emulator, (op) => op === 'DescribePhoneNumber' || op === 'ReleasePhoneNumber')).toEqual([
        'DescribePhoneNumber',
        'ReleasePhoneNumber',
      ]);
      // listed at 0, 500 and 1000 ms; gone at 1500
      expect(operations(emulator, (op) => op === 'ListPhoneNumbersV2')).toHaveLength(4);
    });

    it('stops waiting at its budget and answers not complete; the next poll finds the same number', async () => {
      // GIVEN a budget of one pause (600 ms), shorter than the claim takes (1000 ms)
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '600';
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      expect(await createPoll(event)).toEqual({ IsComplete: false });
      expect(operations(emulator, (op) => op === 'DescribePhoneNumber')).toHaveLength(2);
      // WHEN the waiter polls again
      const done = await createPoll(event);
      expect(claimed()).toHaveLength(1);
      expect(done.PhysicalResourceId).toBe(claimed()[0].phoneNumberArn);
      expect(emulator.calls().filter((c) => c.operation === 'ClaimPhoneNumber' && c.status === 200)).toHaveLength(1);
    });
  });

  describe('create with a specific number', () => {
    describe('numbers longer than the 11 digits a PhoneNumberPrefix may hold', () => {
      const UK = '+442079460000'; // 12 digits (bin/app.ts's example)
      const UK_NEIGHBOUR = '+442079460001'; // same first 11 digits
      const DE = '+4930123456789'; // 13 digits
      const US = '+12065550105'; // 11 digits

      const listPrefixes = (): string[] =>
        emulator
          .calls()
          .filter((c) => c.operation === 'ListPhoneNumbersV2')
          .map((c) => c.input.PhoneNumberPrefix as string);

      it('claims a free UK, German or US number, sending a prefix the service accepts', async () => {
        emulator.seedAvailableNumbers({ countryCode: 'GB', type: 'DID', phoneNumbers: [UK, UK_NEIGHBOUR] });
        emulator.seedAvailableNumbers({ countryCode: 'DE', type: 'DID', phoneNumbers: [DE] });
        for (const [i, phoneNumber] of [UK, DE, US].entries()) {
          const { isComplete: done } = await runToCompletion(
            createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: phoneNumber }), `N${i}`),
            settle,
          );
          expect(done.Data?.PhoneNumber).toBe(phoneNumber);
        }
        expect(
          claimed()
            .map((n) => n.phoneNumber)
            .sort(),
        ).toEqual([UK, DE, US].sort());
        expect([...new Set(listPrefixes())].sort()).toEqual(['+12065550105', '+44207946000', '+49301234567']);
        for (const prefix of listPrefixes()) expect(prefix).toMatch(/^\+[0-9]{1,11}$/);
        expect(emulator.calls().filter((c) => c.status === 400)).toEqual([]);
      });

      it('adopts the exact UK or German number, not another one that shares its first 11 digits', async () => {
        // GIVEN the neighbour claimed first (listed first), and the declared numbers claimed elsewhere in the account
        emulator.seedClaimedNumber({ phoneNumber: UK_NEIGHBOUR, targetArn: otherInstanceArn, countryCode: 'GB' });
        const ukArn = emulator.seedClaimedNumber({ phoneNumber: UK, targetArn: otherInstanceArn, countryCode: 'GB' });
        const deArn = emulator.seedClaimedNumber({ phoneNumber: DE, targetArn: instanceArn, countryCode: 'DE' });
        // WHEN each is declared
        const uk = await runToCompletion(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: UK }), 'Uk'), settle);
        const de = await runToCompletion(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: DE }), 'De'), settle);
        // THEN the exact numbers are adopted in place; nothing is claimed; the neighbour is untouched
        expect(uk.response.PhysicalResourceId).toBe(ukArn);
        expect(de.response.PhysicalResourceId).toBe(deArn);
        expect(operations(emulator, (op) => op === 'ClaimPhoneNumber' || op === 'ReleasePhoneNumber')).toEqual([]);
        const neighbour = claimed().find((n) => n.phoneNumber === UK_NEIGHBOUR);
        expect(neighbour).toMatchObject({ targetArn: otherInstanceArn, tags: {} });
        expect(claimed().find((n) => n.phoneNumber === UK)?.targetArn).toBe(instanceArn);
      });
    });

    it('claims the number when it is free', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550105' }));
      const { isComplete: done } = await runToCompletion(event, settle);
      expect(done.Data?.PhoneNumber).toBe('+12065550105');
      expect(claimed().map((n) => n.phoneNumber)).toEqual(['+12065550105']);
    });

    it('adopts the number when it is already claimed in the account: moves it, takes ownership, releases nothing', async () => {
      // GIVEN the number is claimed to another instance, owned by another stack
      const arn = emulator.seedClaimedNumber({
        phoneNumber: '+12065550900',
        targetArn: otherInstanceArn,
        tags: { [OWNER_TAG_KEY]: 'OtherStack/Number@c0', team: 'a' },
      });
      // WHEN this resource declares it on this instance
      const event = createEvent(
        CLAIMED,
        claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550900', Tags: [{ Key: 'team', Value: 'b' }] }),
      );
      const { response: result } = await runToCompletion(event, settle);
      // THEN it is the same number, moved in place and owned here; nothing claimed or released
      expect(result.PhysicalResourceId).toBe(arn);
      const n = claimed()[0];
      expect(n.targetArn).toBe(instanceArn);
      expect(n.tags).toEqual({
        [OWNER_TAG_KEY]: ownershipValue(STACK_ID, 'Resource', event.RequestId, 'adopt'),
        [PRIOR_TAG_KEY]: expect.any(String),
        [`${PRIOR_TAG_KEY}:2`]: expect.any(String),
        // The mark of the move this adoption made (a FAILED it left would be this event's own).
        [CHANGE_TAG_KEY]: expect.any(String),
        team: 'b',
      });
      // The record of what it was: enough for a rollback to put it back.
      expect(readPrior(n.tags)).toEqual({
        by: ownershipValue(STACK_ID, 'Resource', event.RequestId, 'adopt'),
        target: expect.stringContaining(':instance/'),
        description: null,
        owner: expect.stringMatching(/^OtherStack\/Number@/),
        tags: { team: 'a' },
      });
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber' || op === 'ReleasePhoneNumber')).toEqual([]);
      expect(operations(emulator, (op) => op === 'UpdatePhoneNumber')).toHaveLength(1);
    });

    it('adopts without moving when the number is already on the declared target', async () => {
      emulator.seedClaimedNumber({ phoneNumber: '+12065550900', targetArn: instanceArn });
      await runToCompletion(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550900' })), settle);
      // The record of the earlier state first, the ownership once the adoption has succeeded.
      expect(operations(emulator, mutating)).toEqual(['TagResource', 'TagResource']);
    });

    it('answers the specific number it claimed when every attempt of the claim loses its response', async () => {
      emulator.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber', times: MAX_ATTEMPTS });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550104' }));
      const { response: result } = await runToCompletion(event, settle);
      expect(claimed().map((n) => [n.phoneNumber, n.phoneNumberArn])).toEqual([['+12065550104', result.PhysicalResourceId]]);
    });

    it('does not release an adopted number whose move ends FAILED', async () => {
      emulator.seedClaimedNumber({ phoneNumber: '+12065550900', targetArn: otherInstanceArn });
      emulator.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: '+12065550900', message: 'Move refused' });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550900' }));
      await createPoll(event);
      settle();
      await expect(createPoll(event)).rejects.toThrow(/update of \+12065550900 failed: Move refused/);
      expect(claimed()).toHaveLength(1);
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
    });

    it('fails when the number cools down after a release, and claims it once the cooldown is over', async () => {
      // GIVEN a number this resource claimed and released
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' });
      const { response: first } = await runToCompletion(createEvent(CLAIMED, props), settle);
      await runToCompletion(deleteEvent(CLAIMED, first.PhysicalResourceId, props));
      expect(emulator.snapshot().coolingDown).toEqual(['+12065550101']);
      // WHEN it is declared again during the cooldown THEN the create fails naming the number
      await expect(createPoll(createEvent(CLAIMED, props))).rejects.toThrow(/\+12065550101 cannot be claimed.*cools down/);
      // AND after the cooldown it can be claimed again
      clock.advance(31 * 86_400_000);
      await runToCompletion(createEvent(CLAIMED, props), settle);
      expect(claimed().map((n) => n.phoneNumber)).toEqual(['+12065550101']);
    });
  });

  describe('traffic distribution groups', () => {
    it('claims to a TDG and answers the full ARN, which works from the alternate region', async () => {
      const tdgArn = emulator.seedTrafficDistributionGroup({
        trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
        alternateRegion: ALT_REGION,
        instanceArn,
      });
      const { response: result } = await runToCompletion(
        createEvent(CLAIMED, claimedProps({ TargetArn: tdgArn, CountryCode: 'US' })),
        settle,
      );
      expect(result.PhysicalResourceId).toMatch(new RegExp(`^arn:aws:connect:${REGION}:\\d{12}:phone-number/`));
      expect(claimed()[0].targetArn).toBe(tdgArn);
      const { ConnectClient, DescribePhoneNumberCommand } = await import('@aws-sdk/client-connect');
      const west = new ConnectClient({ region: ALT_REGION });
      try {
        const out = await west.send(new DescribePhoneNumberCommand({ PhoneNumberId: result.PhysicalResourceId }));
        expect(out.ClaimedPhoneNumberSummary?.PhoneNumberArn).toBe(result.PhysicalResourceId);
      } finally {
        west.destroy();
      }
    });
  });

  describe('update', () => {
    async function created(props: Record<string, unknown>) {
      const event = createEvent(CLAIMED, props);
      const { response: r } = await runToCompletion(event, settle);
      emulator.clearCalls();
      return r.PhysicalResourceId;
    }

    it('makes no mutating call when nothing changed', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Description: 'd', Tags: [{ Key: 'a', Value: '1' }] });
      const arn = await created(props);
      const { response: r } = await runToCompletion(updateEvent(CLAIMED, arn, props, props), settle);
      expect(r.PhysicalResourceId).toBe(arn);
      expect(operations(emulator, mutating)).toEqual([]);
    });

    it('makes no call but reads when only the removal policy changed', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const arn = await created(props);
      await runToCompletion(updateEvent(CLAIMED, arn, { ...props, RemovalPolicy: 'retain' }, props), settle);
      expect(operations(emulator, mutating)).toEqual([]);
    });

    it('moves the number in place when the target changes, and waits for CLAIMED', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const arn = await created(props);
      const event = updateEvent(CLAIMED, arn, { ...props, TargetArn: otherInstanceArn }, props);
      const result = await onEvent(event);
      expect(result.PhysicalResourceId).toBe(arn);
      expect((await isComplete(afterOnEvent(event, result))).IsComplete).toBe(false);
      settle();
      expect(await isComplete(afterOnEvent(event, result))).toEqual({
        IsComplete: true,
        Data: expect.objectContaining({ TargetArn: otherInstanceArn }),
      });
      expect(claimed()[0].targetArn).toBe(otherInstanceArn);
      // The move's mark, then the move.
      expect(operations(emulator, mutating)).toEqual(['TagResource', 'UpdatePhoneNumber']);
    });

    it('moves the number once when the same target-change Update is delivered twice', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const arn = await created(props);
      const event = updateEvent(CLAIMED, arn, { ...props, TargetArn: otherInstanceArn }, props);
      const first = await onEvent(event);
      const second = await onEvent(event);
      expect(second).toEqual(first);
      // The move is asked for by the first completion check; the replayed delivery's check finds it under way.
      expect((await isComplete(afterOnEvent(event, first))).IsComplete).toBe(false);
      expect((await isComplete(afterOnEvent(event, second))).IsComplete).toBe(false);
      settle();
      expect((await isComplete(afterOnEvent(event, second))).IsComplete).toBe(true);
      expect(claimed().map((n) => [n.phoneNumberArn, n.targetArn, n.status])).toEqual([[arn, otherInstanceArn, 'CLAIMED']]);
      expect(emulator.calls().filter((c) => c.operation === 'UpdatePhoneNumber' && c.status === 200)).toHaveLength(1);
    });

    it('changes the description with UpdatePhoneNumberMetadata, never a replacement', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Description: 'old' });
      const arn = await created(props);
      const { response: r } = await runToCompletion(updateEvent(CLAIMED, arn, { ...props, Description: 'new' }, props), settle);
      expect(r.PhysicalResourceId).toBe(arn);
      expect(claimed()[0].description).toBe('new');
      expect(operations(emulator, mutating)).toEqual(['UpdatePhoneNumberMetadata']);
    });

    it('clears the description when it is removed', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Description: 'old' });
      const arn = await created(props);
      const without = { ...props };
      delete without.Description;
      await runToCompletion(updateEvent(CLAIMED, arn, without, props), settle);
      expect(claimed()[0].description ?? '').toBe('');
    });

    it('tags and untags only the difference, keeping the ownership tag and tags set elsewhere', async () => {
      const props = claimedProps({
        TargetArn: instanceArn,
        CountryCode: 'US',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      });
      const arn = await created(props);
      const owner = claimed()[0].tags[OWNER_TAG_KEY];
      const next = {
        ...props,
        Tags: [
          { Key: 'b', Value: '3' },
          { Key: 'c', Value: '4' },
        ],
      };
      await runToCompletion(updateEvent(CLAIMED, arn, next, props), settle);
      expect(claimed()[0].tags).toEqual({ [OWNER_TAG_KEY]: owner, b: '3', c: '4' });
      const calls = emulator.calls().filter((c) => mutating(c.operation));
      expect(calls.map((c) => c.operation)).toEqual(['UntagResource', 'TagResource']);
      expect(calls[0].input.tagKeys).toEqual(['a']);
      expect(calls[1].input.tags).toEqual({ b: '3', c: '4' });
    });

    it('replaces (new physical id) when the number selection changes; the old number is released by the later Delete with the old properties', async () => {
      const old = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' });
      const arn = await created(old);
      const next = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550102' });
      const { response: r } = await runToCompletion(updateEvent(CLAIMED, arn, next, old), settle);
      expect(r.PhysicalResourceId).not.toBe(arn);
      expect(
        claimed()
          .map((n) => n.phoneNumber)
          .sort(),
      ).toEqual(['+12065550101', '+12065550102']);
      // WHEN CloudFormation cleans up the old resource
      await runToCompletion(deleteEvent(CLAIMED, arn, old));
      expect(claimed().map((n) => n.phoneNumber)).toEqual(['+12065550102']);
    });

    it('rolls back a target change: the rollback update (old and new swapped) moves the number back', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const arn = await created(props);
      const moved = { ...props, TargetArn: otherInstanceArn };
      await runToCompletion(updateEvent(CLAIMED, arn, moved, props), settle);
      const { response: r } = await runToCompletion(updateEvent(CLAIMED, arn, props, moved), settle);
      expect(r.PhysicalResourceId).toBe(arn);
      expect(claimed()[0].targetArn).toBe(instanceArn);
    });

    it('rolls back a replacement: the old number is adopted back in place and the new one released by cleanup', async () => {
      const old = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' });
      const oldArn = await created(old);
      const next = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550102' });
      const { response: r } = await runToCompletion(updateEvent(CLAIMED, oldArn, next, old), settle);
      // WHEN the stack rolls back: Update new -> old on the new physical id, then Delete of the new one
      const { response: back } = await runToCompletion(updateEvent(CLAIMED, r.PhysicalResourceId, old, next), settle);
      await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, next));
      // THEN the old number is the resource again and is the only one left
      expect(back.PhysicalResourceId).toBe(oldArn);
      expect(claimed().map((n) => n.phoneNumber)).toEqual(['+12065550101']);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(1);
    });

    it('rolls back a search-mode replacement to the original number instead of claiming a third one', async () => {
      // GIVEN a number claimed by search, then replaced by a search with another prefix
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+14255550100', '+14255550101'] });
      const old = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1206' });
      const oldArn = await created(old);
      const next = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1425' });
      const { response: forward } = await runToCompletion(updateEvent(CLAIMED, oldArn, next, old), settle);
      expect(forward.PhysicalResourceId).not.toBe(oldArn);
      // WHEN the stack rolls back: Update with old and new swapped on the new physical id
      const { response: back } = await runToCompletion(updateEvent(CLAIMED, forward.PhysicalResourceId, old, next), settle);
      // THEN the original number is the resource again and no third number was claimed (the one claim
      // since the create is the forward replacement's)
      expect(back.PhysicalResourceId).toBe(oldArn);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(1);
      // AND the cleanup Delete of the forward number releases only that one
      await runToCompletion(deleteEvent(CLAIMED, forward.PhysicalResourceId, next));
      expect(claimed().map((n) => n.phoneNumberArn)).toEqual([oldArn]);
    });

    it('rolls back a pin of its own number (search -> that specific number) without claiming another or releasing it', async () => {
      // GIVEN a number claimed by search, then pinned: the same number declared specifically (kept in place)
      const search = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1206' });
      const arn = await created(search);
      const pinnedTo = claimed()[0].phoneNumber;
      const pinned = claimedProps({ TargetArn: instanceArn, PhoneNumber: pinnedTo });
      const { response: forward } = await runToCompletion(updateEvent(CLAIMED, arn, pinned, search), settle);
      expect(forward.PhysicalResourceId).toBe(arn);
      // WHEN the stack rolls back: Update with old and new swapped, on the same physical id
      const { response: back } = await runToCompletion(updateEvent(CLAIMED, arn, search, pinned), settle);
      // THEN the resource keeps its number: no claim, no release, same physical id (no cleanup Delete follows)
      expect(back.PhysicalResourceId).toBe(arn);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber' || op === 'ReleasePhoneNumber')).toEqual([]);
      expect(claimed().map((n) => n.phoneNumberArn)).toEqual([arn]);
    });

    it('does not take back a number owned by another resource when a search declaration changes', async () => {
      // GIVEN this resource owns a specific number outside the search below, and another resource a number found by search
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+14255550109'] });
      const arn = await created(claimedProps({ TargetArn: instanceArn, PhoneNumber: '+14255550109' }));
      const mine = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1206' });
      const theirs = await runToCompletion(createEvent(CLAIMED, mine, 'Other'), settle);
      // WHEN this resource switches from a specific number to a search that the other resource's number matches
      const { response: r } = await runToCompletion(
        updateEvent(CLAIMED, arn, mine, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+14255550109' })),
        settle,
      );
      // THEN it claims a fresh number; the other resource keeps its own
      expect(r.PhysicalResourceId).not.toBe(theirs.response.PhysicalResourceId);
      expect(r.PhysicalResourceId).not.toBe(arn);
      expect(claimed()).toHaveLength(3);
      expect(claimed().find((n) => n.phoneNumberArn === theirs.response.PhysicalResourceId)?.tags[OWNER_TAG_KEY]).toMatch(
        new RegExp(`^${STACK_NAME}/Other@`),
      );
    });
  });

  describe('a completion check that fails', () => {
    it('releases the number this create claimed before failing, so nothing leaks', async () => {
      // GIVEN a create that claimed a number
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US', RemovalPolicy: 'retain' }));
      await createPoll(event);
      expect(claimed()).toHaveLength(1);
      // WHEN the completion check fails with an error that is not throttling (the next poll's second read:
      // the first finds the number this event claimed, the second checks its status)
      emulator.injectFault({
        kind: 'error',
        operation: 'DescribePhoneNumber',
        errorName: 'AccessDeniedException',
        status: 403,
        message: 'denied',
        skip: 1,
      });
      settle();
      await expect(createPoll(event)).rejects.toThrow(/denied/);
      // THEN the number is released (even with a retain policy: the stack never got it)
      expect(claimed()).toHaveLength(0);
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toHaveLength(1);
    });

    it('leaves an adopted number claimed when the check fails', async () => {
      const arn = emulator.seedClaimedNumber({ phoneNumber: '+12065550105', targetArn: instanceArn });
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550105' }));
      const result = await onEvent(event);
      emulator.injectFault({
        kind: 'error',
        operation: 'DescribePhoneNumber',
        errorName: 'AccessDeniedException',
        status: 403,
        message: 'denied',
      });
      await expect(isComplete(afterOnEvent(event, result))).rejects.toThrow(/denied/);
      expect(claimed().map((n) => n.phoneNumberArn)).toEqual([arn]);
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toHaveLength(0);
    });

    it('keeps the number and polls again when the check is throttled', async () => {
      const event = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }));
      const result = await onEvent(event);
      emulator.injectFault({
        kind: 'error',
        operation: 'DescribePhoneNumber',
        times: MAX_THROTTLED_ATTEMPTS,
        errorName: 'ThrottlingException',
        status: 429,
        message: 'slow down',
      });
      settle();
      await expect(isComplete(afterOnEvent(event, result))).resolves.toEqual({ IsComplete: false });
      expect(claimed()).toHaveLength(1);
    });
  });

  describe('delete', () => {
    it('releases an owned number with its full ARN in the ARN region when the policy is destroy', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props));
      const release = emulator.calls().find((c) => c.operation === 'ReleasePhoneNumber');
      expect(release?.input.PhoneNumberId).toBe(r.PhysicalResourceId);
      expect(release?.region).toBe(REGION);
      expect(release?.input.ClientToken).toMatch(UUID);
      expect(claimed()).toHaveLength(0);
    });

    it('reads no stack status to release a number it claimed under destroy: a rollback would release it too', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      const status = jest.spyOn(stack, 'stackStatus');
      try {
        await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props));
        expect(status).not.toHaveBeenCalled();
        expect(claimed()).toHaveLength(0);
      } finally {
        status.mockRestore();
      }
    });

    it('leaves the number claimed when the policy is retain', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', RemovalPolicy: 'retain' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      emulator.clearCalls();
      await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props));
      expect(operations(emulator)).toEqual([]);
      expect(claimed()).toHaveLength(1);
    });

    it('releases an adopted number like a claimed one', async () => {
      const arn = emulator.seedClaimedNumber({ phoneNumber: '+12065550900', targetArn: instanceArn });
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550900' });
      await runToCompletion(createEvent(CLAIMED, props), settle);
      await runToCompletion(deleteEvent(CLAIMED, arn, props));
      expect(claimed()).toHaveLength(0);
    });

    it('leaves a number alone that another resource adopted since (ownership moved)', async () => {
      // GIVEN resource A claimed the number, then resource B in another stack adopted it
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props, 'A'), settle);
      const adoptB = { ...createEvent(CLAIMED, props, 'B'), StackId: STACK_ID.replace(STACK_NAME, 'OtherStack') };
      await runToCompletion(adoptB, settle);
      expect(claimed()[0].tags[OWNER_TAG_KEY].startsWith('OtherStack/B@a')).toBe(true);
      // WHEN A is deleted with destroy
      await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props, 'A'));
      // THEN the number stays claimed
      expect(claimed()).toHaveLength(1);
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
    });

    it('succeeds when the number is already gone', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      const del = deleteEvent(CLAIMED, r.PhysicalResourceId, props);
      await runToCompletion(del);
      await expect(onEvent(del)).resolves.toEqual({ PhysicalResourceId: r.PhysicalResourceId });
    });

    it('treats ResourceNotFoundException on release as success', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      emulator.injectFault({
        kind: 'error',
        operation: 'ReleasePhoneNumber',
        errorName: 'ResourceNotFoundException',
        status: 404,
        message: 'gone',
      });
      await expect(onEvent(deleteEvent(CLAIMED, r.PhysicalResourceId, props))).resolves.toEqual({
        PhysicalResourceId: r.PhysicalResourceId,
      });
    });

    it('retries the release while the number is in use', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      emulator.injectFault({
        kind: 'error',
        operation: 'ReleasePhoneNumber',
        times: 3,
        errorName: 'ResourceInUseException',
        status: 409,
        message: 'in progress',
      });
      await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props));
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toHaveLength(4);
      expect(claimed()).toHaveLength(0);
    });

    it('keeps asking while the number stays in use, one release per poll, without failing the Delete', async () => {
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      emulator.injectFault({
        kind: 'error',
        operation: 'ReleasePhoneNumber',
        times: 100,
        errorName: 'ResourceInUseException',
        status: 409,
        message: 'in progress',
      });
      emulator.clearCalls();
      // The Provider's waiter bounds the polls (45 minutes); here, five of them.
      await expect(runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props), () => undefined, 5)).rejects.toThrow(
        /not complete after 5 polls/,
      );
      expect(
        emulator
          .calls()
          .filter((c) => c.operation === 'ReleasePhoneNumber')
          .map((c) => c.status),
      ).toEqual([409, 409, 409, 409, 409]);
      expect(claimed()).toHaveLength(1);
    });

    it('does nothing for a physical id that is not a phone number ARN', async () => {
      await runToCompletion(deleteEvent(CLAIMED, 'some-request-id', claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })));
      expect(operations(emulator)).toEqual([]);
    });
  });

  describe('delete while the release runs (asynchronous release)', () => {
    let slow: Emulator;
    beforeEach(async () => {
      await emulator.stop();
      slow = await startTestEmulator({ clock, asyncDelayMs: 1000, releaseDelayMs: 60_000, cooldownMs: 30 * 86_400_000 });
      emulator = slow;
      instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      otherInstanceArn = emulator.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(10) });
    });

    it('waits until the number is gone; a replayed or retried Delete meanwhile neither fails nor releases twice', async () => {
      // GIVEN a claimed number, deleted with destroy
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
      const del = deleteEvent(CLAIMED, r.PhysicalResourceId, props);
      const result = await onEvent(del);
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: false });
      // THEN the release is under way: IN_PROGRESS, marked, and isComplete waits
      expect(claimed()).toEqual([expect.objectContaining({ status: 'IN_PROGRESS', releasing: true })]);
      expect(claimed()[0].tags[RELEASE_TAG_KEY]).toMatch(UUID);
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: false });
      // WHEN the same Delete is delivered again, and CloudFormation retries the Delete (a new request)
      await expect(onEvent(del)).resolves.toEqual({ PhysicalResourceId: r.PhysicalResourceId });
      const retry = deleteEvent(CLAIMED, r.PhysicalResourceId, props);
      await expect(onEvent(retry)).resolves.toEqual({ PhysicalResourceId: r.PhysicalResourceId });
      expect(await isComplete(afterOnEvent(retry, result))).toEqual({ IsComplete: false });
      // THEN one release was asked for, and none refused
      expect(
        emulator
          .calls()
          .filter((c) => c.operation === 'ReleasePhoneNumber')
          .map((c) => c.status),
      ).toEqual([200]);
      // WHEN the release has run
      clock.advance(60_000);
      // THEN both deliveries complete; the number cools down; one release counted
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: true });
      expect(await isComplete(afterOnEvent(retry, result))).toEqual({ IsComplete: true });
      expect(emulator.snapshot()).toMatchObject({ claimed: [], coolingDown: [claimedNumberOf(r.PhysicalResourceId)], churn: 2 });
    });

    /** A Delete's onEvent and its first completion check: the release starts there. */
    async function startDelete(physicalId: string, props: Record<string, unknown>, logicalId?: string): Promise<void> {
      const del = deleteEvent(CLAIMED, physicalId, props, logicalId);
      expect(await isComplete(afterOnEvent(del, await onEvent(del)))).toEqual({ IsComplete: false });
    }

    it('a number whose release is in progress is not held: another resource declaring it does not adopt it', async () => {
      // GIVEN resource A's number is being released
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' });
      const { response: a } = await runToCompletion(createEvent(CLAIMED, props, 'A'), settle);
      await startDelete(a.PhysicalResourceId, props, 'A');
      emulator.clearCalls();
      // WHEN resource B declares the same number
      const b = createEvent(CLAIMED, props, 'B');
      // THEN B does not take the releasing number (no tag, no move): the number is unavailable
      await expect(createPoll(b)).rejects.toThrow(/phone number \+12065550101 cannot be claimed/);
      expect(operations(emulator, mutating)).toEqual(['ClaimPhoneNumber']);
      expect(claimed()[0].tags[OWNER_TAG_KEY].startsWith(`${STACK_NAME}/A@`)).toBe(true);
    });

    it('a declaration changed back while the old number is being released claims another number instead of taking the releasing one back', async () => {
      // GIVEN a search-mode number replaced by another search, and the cleanup Delete of the old one under way
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+14255550100', '+14255550101'] });
      const old = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1206' });
      const { response: first } = await runToCompletion(createEvent(CLAIMED, old), settle);
      const next = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Prefix: '+1425' });
      const { response: forward } = await runToCompletion(updateEvent(CLAIMED, first.PhysicalResourceId, next, old), settle);
      await startDelete(first.PhysicalResourceId, old);
      const releasing = claimed().find((n) => n.phoneNumberArn === first.PhysicalResourceId);
      expect(releasing).toMatchObject({ status: 'IN_PROGRESS', releasing: true });
      emulator.clearCalls();
      // WHEN the declaration goes back to the first search
      const { response: back } = await runToCompletion(updateEvent(CLAIMED, forward.PhysicalResourceId, old, next), settle);
      // THEN another +1206 number is claimed; the releasing one is neither adopted nor tagged
      expect(back.PhysicalResourceId).not.toBe(first.PhysicalResourceId);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(1);
      expect(emulator.calls().filter((c) => c.operation === 'TagResource' && c.input.resourceArn === first.PhysicalResourceId)).toEqual([]);
      expect(claimed().find((n) => n.phoneNumberArn === first.PhysicalResourceId)?.tags).toEqual(releasing?.tags);
    });

    it('a Delete that comes while the claim is IN_PROGRESS waits for it, and a release refused as in use is tried again at the next poll', async () => {
      // GIVEN a create that failed (its waiter timed out) while its claim was still in progress: the
      // rollback's Delete names the create's pending id
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      const create = createEvent(CLAIMED, props);
      const created = await onEvent(create);
      expect(await isComplete(afterOnEvent(create, created))).toEqual({ IsComplete: false });
      const del = deleteEvent(CLAIMED, created.PhysicalResourceId, props);
      const result = await onEvent(del);
      // THEN the waiter waits without asking for a release
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: false });
      expect(operations(emulator, (op) => op === 'ReleasePhoneNumber')).toEqual([]);
      // WHEN the claim has settled but the release is refused as in use, past the handler's retries
      settle();
      emulator.injectFault({
        kind: 'error',
        operation: 'ReleasePhoneNumber',
        times: 100,
        errorName: 'ResourceInUseException',
        status: 409,
        message: 'in progress',
      });
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: false });
      emulator.clearFaults();
      // THEN the next polls release it, and complete when it is gone
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: false });
      clock.advance(60_000);
      expect(await isComplete(afterOnEvent(del, result))).toEqual({ IsComplete: true });
      expect(claimed()).toEqual([]);
    });
  });

  describe('errors that mean one thing each', () => {
    it('a claim that ends FAILED, a move that ends FAILED and a physical id that is no ARN fail with distinct types', async () => {
      // A claim of this event ending FAILED (the number is released)
      emulator.injectFault({
        kind: 'asyncFail',
        operation: 'ClaimPhoneNumber',
        phoneNumber: '+12065550101',
        message: 'Carrier rejected the number',
      });
      const claim = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550101' }), 'Claimed');
      await createPoll(claim);
      settle();
      await expect(createPoll(claim)).rejects.toMatchObject({
        name: 'PhoneNumberClaimFailedError',
        message: expect.stringMatching(/released/),
      });
      // A move of an adopted number ending FAILED (nothing released)
      emulator.seedClaimedNumber({ phoneNumber: '+12065550900', targetArn: otherInstanceArn });
      emulator.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: '+12065550900', message: 'Move refused' });
      const adopt = createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550900' }), 'Adopted');
      await createPoll(adopt);
      settle();
      await expect(createPoll(adopt)).rejects.toMatchObject({
        name: 'PhoneNumberUpdateFailedError',
        message: expect.stringMatching(/update of \+12065550900 failed: Move refused/),
      });
      // A completion check of an Update whose physical id is not a phone-number ARN: named, with the fix,
      // before any call (onEvent replaces such a resource; this is the check's own guard)
      emulator.clearCalls();
      const props = claimedProps({ TargetArn: instanceArn, PhoneNumber: '+12065550102' });
      const event = updateEvent(CLAIMED, 'edited-by-hand', { ...props, Description: 'x' }, props);
      await expect(isComplete(afterOnEvent(event, { PhysicalResourceId: 'edited-by-hand' }))).rejects.toMatchObject({
        name: 'PhysicalIdInvalidError',
        message: expect.stringMatching(/'edited-by-hand' is not a phone number ARN.*declare the number again/),
      });
      expect(emulator.calls()).toEqual([]);
    });
  });

  describe('the numbers quota of a target', () => {
    it('a claim past the quota ends FAILED: the create fails naming the limit, and the number is given back', async () => {
      await emulator.stop();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, phoneNumbersPerTarget: 1 });
      instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(10) });
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      await runToCompletion(createEvent(CLAIMED, props, 'First'), settle);
      const second = createEvent(CLAIMED, props, 'Second');
      await createPoll(second);
      settle();
      await expect(createPoll(second)).rejects.toThrow(/has reached its limit of total claimed numbers \(1\).*released/);
      expect(claimed().map((n) => n.status)).toEqual(['CLAIMED']);
    });
  });

  describe('the claim lockout after churn', () => {
    it('a lockout is not read as a lost race even when its text says "not available": a search create stops at once', async () => {
      emulator.injectFault({
        kind: 'error',
        operation: 'ClaimPhoneNumber',
        times: 100,
        errorName: 'InvalidParameterException',
        status: 400,
        message: 'Phone numbers are not available to claim: claims and releases exceeded 200% of the quota. Contact AWS Support.',
      });
      await expect(createPoll(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })))).rejects.toThrow(
        /exceeded 200% of the quota/,
      );
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(1);
    });

    it('the emulator lockout stops a search create after one claim, naming the block', async () => {
      await emulator.stop();
      emulator = await startTestEmulator({ clock, asyncDelayMs: 1000, phoneNumberQuota: 1, cooldownMs: 0, releaseDelayMs: 0 });
      instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(10) });
      const props = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      for (let i = 0; i < 2; i++) {
        const { response: r } = await runToCompletion(createEvent(CLAIMED, props), settle);
        await runToCompletion(deleteEvent(CLAIMED, r.PhysicalResourceId, props), settle);
      }
      emulator.clearCalls();
      await expect(createPoll(createEvent(CLAIMED, props))).rejects.toThrow(/blocked/);
      expect(operations(emulator, (op) => op === 'ClaimPhoneNumber')).toHaveLength(1);
    });
  });
});
