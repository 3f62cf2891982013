import { isComplete, onEvent } from '../../lambda/index';
import { FORMAT_VERSION, OWNER_TAG_KEY } from '../../lambda/contract';
import type { OnEventRequest } from '../../lambda/events';
import { createManualClock, type Emulator, type ManualClock } from '../../local/emulator';
import {
  BINDING,
  CLAIMED,
  VC,
  afterOnEvent,
  claimedProps,
  createEvent,
  deleteEvent,
  operations,
  runToCompletion,
  startTestEmulator,
  updateEvent,
  usNumbers,
  vcProps,
} from './fixtures';

/** What the Provider framework sends back when the user function throws: message plus stack, as a JSON body. */
function frameworkFailureResponse(err: Error): string {
  const reason = [
    err.message,
    '',
    'Logs: /aws/lambda/PhoneNumbers-Handler-ABCDEFGHIJKL',
    '',
    ...(err.stack ?? '').split('\n').slice(1),
  ].join('\n');
  return JSON.stringify({
    Status: 'FAILED',
    Reason: reason,
    PhysicalResourceId: 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/PhoneStack/0a1b2c3d-0000-4000-8000-000000000000',
    RequestId: '00000000-0000-4000-8000-000000000000',
    LogicalResourceId: 'Resource',
  });
}

describe('the handler', () => {
  let emulator: Emulator;
  let clock: ManualClock;
  let instanceArn: string;

  beforeEach(async () => {
    clock = createManualClock();
    emulator = await startTestEmulator({ clock });
    instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(5) });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  describe('dispatch', () => {
    it('fails when the resource type is not served, naming it', async () => {
      await expect(onEvent(createEvent('Custom::Nope', {}))).rejects.toThrow(/resource type "Custom::Nope" is not served by this handler/);
      await expect(isComplete(afterOnEvent(createEvent('Custom::Nope', {}), { PhysicalResourceId: 'x' }))).rejects.toThrow(/Custom::Nope/);
    });

    it("answers complete at once for voice connector numbers and for a binding's delete (a binding's create waits for its number: see its own tests)", async () => {
      const e = createEvent(VC, vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'] }));
      expect(await isComplete(afterOnEvent(e, { PhysicalResourceId: 'x' }))).toEqual({ IsComplete: true });
      const b = deleteEvent(BINDING, 'x', {
        FormatVersion: FORMAT_VERSION,
        PhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/b0000000-0000-4000-8000-00000000000b',
        ContactFlowArn:
          'arn:aws:connect:us-east-1:123456789012:instance/a0000000-0000-4000-8000-00000000000a/contact-flow/f0000000-0000-4000-8000-00000000000f',
      });
      expect(await isComplete(afterOnEvent(b, { PhysicalResourceId: 'x' }))).toEqual({ IsComplete: true });
      expect(operations(emulator)).toEqual([]);
    });

    it('ignores ServiceToken among the properties', async () => {
      const r = await runToCompletion(createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' })), () =>
        clock.advance(1),
      );
      expect(r.isComplete.IsComplete).toBe(true);
    });
  });

  describe('runtime validation', () => {
    // Each bad create fails in onEvent, naming the value, before any AWS call.
    it.each<{ when: string; event: () => OnEventRequest; error: RegExp }>([
      {
        when: 'the connector region resolved at deploy time is not a region, before any AWS call',
        event: () =>
          createEvent(
            VC,
            vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'], Region: 'Oregon' }),
            'Trunk',
          ),
        error: /^Trunk: region 'Oregon' is not an AWS region; expected e.g. 'us-east-1'/,
      },
      {
        when: 'the target ARN is malformed, before any AWS call, naming the value',
        event: () => createEvent(CLAIMED, claimedProps({ TargetArn: 'arn:nope', CountryCode: 'US' }), 'Main'),
        error: /^Main: targetArn 'arn:nope' is not a Connect instance/,
      },
      {
        when: 'both phoneNumber and countryCode are set',
        event: () => createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US', PhoneNumber: '+12065550100' })),
        error: /set exactly one/,
      },
      {
        when: 'a voice connector number is not E.164',
        event: () => createEvent(VC, vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['12-34'] })),
        error: /'12-34' is not an E.164 number/,
      },
    ])('fails when $when', async ({ event, error }) => {
      await expect(onEvent(event())).rejects.toThrow(error);
      expect(operations(emulator)).toEqual([]);
    });

    it('fails when the contact flow ARN is malformed', async () => {
      await expect(
        onEvent(
          createEvent(BINDING, {
            FormatVersion: FORMAT_VERSION,
            PhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/b0000000-0000-4000-8000-00000000000b',
            ContactFlowArn: 'flow',
          }),
        ),
      ).rejects.toThrow(/contactFlowArn 'flow' is not a contact flow ARN/);
    });

    it('fails an update with bad new properties before any AWS call', async () => {
      const old = claimedProps({ TargetArn: instanceArn, CountryCode: 'US' });
      await expect(
        onEvent(
          updateEvent(
            CLAIMED,
            'arn:aws:connect:us-east-1:123456789012:phone-number/b0000000-0000-4000-8000-00000000000b',
            { ...old, Description: 'x'.repeat(501) },
            old,
          ),
        ),
      ).rejects.toThrow(/description has 501 characters/);
      expect(operations(emulator)).toEqual([]);
    });

    it('keeps the whole failure response under 4096 bytes, even for hundreds of bad values', async () => {
      const bad = Array.from({ length: 500 }, (_, i) => `bad-number-${i}-${'x'.repeat(40)}`);
      let caught: Error | undefined;
      try {
        await onEvent(createEvent(VC, vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: bad }), 'L'.repeat(255)));
      } catch (e) {
        caught = e as Error;
      }
      expect(caught?.name).toBe('PropertiesInvalidError');
      expect(caught?.message).toMatch(/'bad-number-0-x+' is not an E.164 number/);
      expect(caught?.message.length).toBeLessThanOrEqual(1000);
      expect(Buffer.byteLength(frameworkFailureResponse(caught as Error))).toBeLessThan(4096);
    });

    it('keeps the whole failure response under 4096 bytes when the service answers with a long message', async () => {
      // GIVEN a service error that echoes 300 numbers back (as validation errors do), with non-ASCII text
      emulator.seedVoiceConnector({ voiceConnectorId: 'abcdef1ghij2klmno3pqr4' });
      const many = usNumbers(300, 1000);
      const echoed = `1 validation error détectée: Value '[${many.map((n) => `"${n}"`).join(', ')}]' at 'e164PhoneNumbers' failed to satisfy constraint`;
      emulator.injectFault({ kind: 'error', operation: 'GetPhoneNumber', errorName: 'BadRequestException', status: 400, message: echoed });
      let caught: Error | undefined;
      try {
        await runToCompletion(createEvent(VC, vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: many })));
      } catch (e) {
        caught = e as Error;
      }
      // THEN the event fails with the start of the service's message, and the response fits
      expect(caught?.message).toMatch(/^1 validation error détectée: Value '\["\+12065551000"/);
      expect(Buffer.byteLength(frameworkFailureResponse(caught as Error))).toBeLessThan(4096);
    });

    it('does not fail a delete on properties a newer validator would reject', async () => {
      await expect(
        onEvent(deleteEvent(VC, 'id', vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: [] }))),
      ).resolves.toEqual({ PhysicalResourceId: 'id' });
    });
  });

  describe('format versions', () => {
    it('updates and deletes a number created by the earliest form (no FormatVersion, no RemovalPolicy, tags as a map)', async () => {
      // GIVEN a number created from the earliest property form
      const earliest = { TargetArn: instanceArn, CountryCode: 'US', Tags: { team: 'a' } };
      const { response: created } = await runToCompletion(createEvent(CLAIMED, earliest), () => clock.advance(1));
      const arn = created.PhysicalResourceId;
      expect(emulator.snapshot().claimed[0].tags.team).toBe('a');
      // WHEN it is updated to the current form with destroy, and deleted
      const current = claimedProps({ TargetArn: instanceArn, CountryCode: 'US', Type: 'DID', Tags: [{ Key: 'team', Value: 'b' }] });
      const { response: updated } = await runToCompletion(updateEvent(CLAIMED, arn, current, earliest), () => clock.advance(1));
      // THEN the default type did not count as a change of number, the tag changed, and delete releases it
      expect(updated.PhysicalResourceId).toBe(arn);
      expect(emulator.snapshot().claimed[0].tags.team).toBe('b');
      await runToCompletion(deleteEvent(CLAIMED, arn, current));
      expect(emulator.snapshot().claimed).toHaveLength(0);
    });

    it('retains on delete when the earliest form left RemovalPolicy out', async () => {
      const earliest = { TargetArn: instanceArn, CountryCode: 'US' };
      const { response: created } = await runToCompletion(createEvent(CLAIMED, earliest), () => clock.advance(1));
      await onEvent(deleteEvent(CLAIMED, created.PhysicalResourceId, earliest));
      expect(emulator.snapshot().claimed).toHaveLength(1);
    });

    it('takes ownership of an older number without an ownership tag on its first update', async () => {
      const arn = emulator.seedClaimedNumber({ phoneNumber: '+12065550999', targetArn: instanceArn });
      const earliest = { TargetArn: instanceArn, PhoneNumber: '+12065550999' };
      await runToCompletion(updateEvent(CLAIMED, arn, claimedProps(earliest), earliest), () => clock.advance(1));
      expect(emulator.snapshot().claimed[0].tags[OWNER_TAG_KEY]).toMatch(/^PhoneStack\/Resource@a/);
    });

    it('reads voice connector numbers of the earliest form (ForceAssociate and Region left out)', async () => {
      emulator.seedVoiceConnector({ voiceConnectorId: 'abcdef1ghij2klmno3pqr4' });
      emulator.seedChimeNumber({ phoneNumber: '+12065550100' });
      const earliest = { VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'] };
      const { response: r } = await runToCompletion(createEvent(VC, earliest));
      expect(emulator.snapshot().voiceConnectors.abcdef1ghij2klmno3pqr4).toEqual(['+12065550100']);
      await onEvent(deleteEvent(VC, r.PhysicalResourceId, earliest));
      expect(emulator.snapshot().voiceConnectors.abcdef1ghij2klmno3pqr4 ?? []).toEqual([]);
    });

    it('fails when the properties come from a newer FormatVersion than the handler reads', async () => {
      await expect(
        onEvent(createEvent(CLAIMED, claimedProps({ FormatVersion: '99', TargetArn: instanceArn, CountryCode: 'US' }))),
      ).rejects.toThrow(/FormatVersion '99' is newer than this handler reads/);
    });
  });
});

describe('under a throttling storm', () => {
  // 100 numbers in one stack against Connect's default quotas (2/s, burst 5 per API), with time
  // compressed 100 times: 200 requests/s (the burst stays 5: it is a count, not a rate) and a retry base
  // delay of 5 ms instead of 500 ms, which keeps the ratio between the two as in production. The token
  // buckets run on a clock that moves RATE_STEP_MS per rate-limited call, not on real time: each call
  // refills every API's bucket by 200/s x 0.5 ms = 0.1 token, so with A APIs called and no call ever
  // throttled, all of them together could answer at most 5A / (1 - 0.1A) calls (75 for A = 6), fewer
  // than the 100 ClaimPhoneNumber calls alone: throttling is certain, however fast or slow the machine is.
  const RATE_STEP_MS = 0.5;
  let emulator: Emulator;
  let instanceArn: string;
  beforeAll(async () => {
    let rateNow = 0;
    emulator = await startTestEmulator({
      rateScale: 1,
      connectRate: { ratePerSecond: 200, burst: 5 },
      rateClock: { now: () => (rateNow += RATE_STEP_MS) },
      phoneNumbersPerTarget: 100,
    });
    process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '5';
    instanceArn = emulator.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(150) });
  });
  afterAll(async () => {
    process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '2';
    await emulator.stop();
  });

  it('claims 100 numbers in parallel, each exactly once, without failing from throttling', async () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      createEvent(CLAIMED, claimedProps({ TargetArn: instanceArn, CountryCode: 'US' }), `Number${i}`),
    );
    const results = await Promise.all(events.map((e) => onEvent(e)));
    const pending = events.map((e, i) => afterOnEvent(e, results[i]));
    // The physical ids CloudFormation gets: each create's complete isComplete answers its number's ARN.
    const answered: string[] = [];
    for (let round = 0; round < 50 && pending.length > 0; round++) {
      const done = await Promise.all(pending.map((e) => isComplete(e)));
      for (let i = done.length - 1; i >= 0; i--) {
        if (!done[i].IsComplete) continue;
        answered.push(done[i].PhysicalResourceId as string);
        pending.splice(i, 1);
      }
    }
    expect(pending).toHaveLength(0);
    expect(new Set(answered).size).toBe(100);
    expect(answered.sort()).toEqual(
      emulator
        .snapshot()
        .claimed.map((n) => n.phoneNumberArn)
        .sort(),
    );
    expect(emulator.calls().some((c) => c.status === 429)).toBe(true);
    // The bound in the comment above holds for up to 6 APIs: a handler that calls more needs a smaller step.
    expect(new Set(emulator.calls().map((c) => c.operation)).size).toBeLessThanOrEqual(6);
  });
});
