/**
 * The latency and quota options, and each reading of a behaviour the documentation does not settle,
 * both ways, through the real SDK clients over HTTP (docs/service-facts.md, "Readings").
 */
import {
  DisassociatePhoneNumbersFromVoiceConnectorCommand,
  GetVoiceConnectorCommand,
  NotFoundException,
  BadRequestException,
} from '@aws-sdk/client-chime-sdk-voice';
import {
  ClaimPhoneNumberCommand,
  ConnectClient,
  DescribePhoneNumberCommand,
  InvalidParameterException,
  ListPhoneNumbersV2Command,
  ReleasePhoneNumberCommand,
  ResourceNotFoundException,
  SearchAvailablePhoneNumbersCommand,
  UpdatePhoneNumberCommand,
} from '@aws-sdk/client-connect';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, EmulatorOptions, ManualClock, ServiceReadings } from '../../../local/emulator';
import { caught, chimeClient, connectClient } from './helpers';

const INSTANCE = '11111111-1111-4111-8111-111111111111';
const OTHER_INSTANCE = '22222222-2222-4222-8222-222222222222';
const NUMBERS = ['+12065550100', '+12065550101', '+12065550102', '+12065550103'];
const TOKEN = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('emulator latencies, quotas and readings, over the wire', () => {
  let emu: Emulator | undefined;
  let clock: ManualClock;
  let instanceArn: string;
  let otherArn: string;
  let tdgArn: string;
  const clients: Array<{ destroy(): void }> = [];

  async function start(options: EmulatorOptions = {}): Promise<ConnectClient> {
    clock = createManualClock(Date.UTC(2026, 0, 1));
    emu = await startEmulator({ clock, rateScale: 1000, ...options });
    instanceArn = emu.seedInstance({ instanceId: INSTANCE });
    otherArn = emu.seedInstance({ instanceId: OTHER_INSTANCE });
    tdgArn = emu.seedTrafficDistributionGroup({
      trafficDistributionGroupId: '33333333-3333-4333-8333-333333333333',
      alternateRegion: 'us-west-2',
      instanceArn,
    });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: NUMBERS });
    const c = connectClient(emu);
    clients.push(c);
    return c;
  }
  const withReadings = (readings: ServiceReadings, options: EmulatorOptions = {}) => start({ ...options, readings });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await emu?.stop();
    emu = undefined;
  });

  const status = async (c: ConnectClient, id: string) =>
    (await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: id }))).ClaimedPhoneNumberSummary?.PhoneNumberStatus?.Status;
  const claim = async (c: ConnectClient, phoneNumber: string, targetArn = instanceArn, token?: string) =>
    (await c.send(new ClaimPhoneNumberCommand({ TargetArn: targetArn, PhoneNumber: phoneNumber, ClientToken: token })))
      .PhoneNumberId as string;

  describe('latencies and quotas', () => {
    it('claimDelayMs holds a claim IN_PROGRESS, moveDelayMs a move, each on the clock', async () => {
      const c = await start({ claimDelayMs: 5_000, moveDelayMs: 2_000, asyncDelayMs: 100_000 });
      const id = await claim(c, NUMBERS[0]);
      clock.advance(4_999);
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(1);
      expect(await status(c, id)).toBe('CLAIMED');
      await c.send(new UpdatePhoneNumberCommand({ PhoneNumberId: id, TargetArn: otherArn }));
      clock.advance(1_999);
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(1);
      expect(await status(c, id)).toBe('CLAIMED');
    });

    it('claimDelayMs and moveDelayMs default to asyncDelayMs', async () => {
      const c = await start({ asyncDelayMs: 3_000 });
      const id = await claim(c, NUMBERS[0]);
      clock.advance(2_999);
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(1);
      await c.send(new UpdatePhoneNumberCommand({ PhoneNumberId: id, TargetArn: otherArn }));
      clock.advance(2_999);
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(1);
      expect(await status(c, id)).toBe('CLAIMED');
    });

    it('releaseDelayMs holds a release IN_PROGRESS, then the number is gone', async () => {
      const c = await start({ releaseDelayMs: 4_000 });
      const id = await claim(c, NUMBERS[0]);
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: id }));
      clock.advance(3_999);
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(1);
      expect(await caught(() => status(c, id))).toBeInstanceOf(ResourceNotFoundException);
    });

    it('phoneNumbersPerTarget: the claim past it ends FAILED naming the target', async () => {
      const c = await start({ phoneNumbersPerTarget: 2 });
      await claim(c, NUMBERS[0]);
      await claim(c, NUMBERS[1]);
      const third = await claim(c, NUMBERS[2]);
      const summary = (await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: third }))).ClaimedPhoneNumberSummary;
      expect(summary?.PhoneNumberStatus).toEqual({
        Status: 'FAILED',
        Message: expect.stringContaining(`${instanceArn} has reached its limit`),
      });
    });

    it('tokenTtlMs: a ClientToken replays the first answer within the TTL, and starts a new request after it', async () => {
      const c = await start({ tokenTtlMs: 60_000 });
      const first = await claim(c, NUMBERS[0], instanceArn, TOKEN);
      clock.advance(59_999);
      expect(await claim(c, NUMBERS[0], instanceArn, TOKEN)).toBe(first);
      clock.advance(1);
      // expired: the same token is a new claim, and the number is taken
      const err = await caught(() => claim(c, NUMBERS[0], instanceArn, TOKEN));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toContain(`Phone number not available: ${NUMBERS[0]}`);
    });

    it('without tokenTtlMs a ClientToken never expires', async () => {
      const c = await start();
      const first = await claim(c, NUMBERS[0], instanceArn, TOKEN);
      clock.advance(400 * 24 * 60 * 60 * 1000);
      expect(await claim(c, NUMBERS[0], instanceArn, TOKEN)).toBe(first);
    });

    it.each([
      [{ claimDelayMs: -1 }, /claimDelayMs must be a number of milliseconds >= 0, got -1/],
      [{ moveDelayMs: Number.NaN }, /moveDelayMs must be a number of milliseconds >= 0, got NaN/],
      [{ releaseDelayMs: -5 }, /releaseDelayMs must be a number of milliseconds >= 0, got -5/],
      [{ tokenTtlMs: -1 }, /tokenTtlMs must be a number of milliseconds >= 0, got -1/],
      [{ phoneNumbersPerTarget: 1.5 }, /phoneNumbersPerTarget must be a whole number >= 0, got 1.5/],
      [
        { readings: { longPrefix: 'sometimes' } as unknown as ServiceReadings },
        /reading longPrefix cannot be 'sometimes'; use one of: refused, accepted/,
      ],
      [{ readings: { nope: 'x' } as unknown as ServiceReadings }, /unknown reading 'nope'/],
    ])('refuses the option %j with a clear error', async (options, message) => {
      await expect(startEmulator({ port: 0, ...(options as EmulatorOptions) })).rejects.toThrow(message);
    });
  });

  describe('reading unfilteredListTdgNumbers', () => {
    const listed = async (c: ConnectClient, input: { TargetArn?: string } = {}) =>
      ((await c.send(new ListPhoneNumbersV2Command(input))).ListPhoneNumbersSummaryList ?? []).map((n) => n.PhoneNumber).sort();

    it.each([
      ['listed', [NUMBERS[0], NUMBERS[1]]],
      ['omitted', [NUMBERS[0]]],
    ] as const)('%s: an unfiltered list shows %j; a list by the TDG ARN shows its number either way', async (reading, unfiltered) => {
      const c = await withReadings({ unfilteredListTdgNumbers: reading });
      await claim(c, NUMBERS[0]);
      await claim(c, NUMBERS[1], tdgArn);
      expect(await listed(c)).toEqual(unfiltered);
      expect(await listed(c, { TargetArn: tdgArn })).toEqual([NUMBERS[1]]);
      expect(await listed(c, { TargetArn: instanceArn })).toEqual([NUMBERS[0]]);
    });
  });

  describe('reading prefixWithoutPlus', () => {
    const search = (c: ConnectClient, prefix: string) =>
      c.send(
        new SearchAvailablePhoneNumbersCommand({
          TargetArn: instanceArn,
          PhoneNumberCountryCode: 'US',
          PhoneNumberType: 'DID',
          PhoneNumberPrefix: prefix,
        }),
      );

    it('accepted (default): a prefix without + is read as if it had one', async () => {
      const c = await start();
      expect((await search(c, '1206555010')).AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(NUMBERS);
      expect((await c.send(new ListPhoneNumbersV2Command({ PhoneNumberPrefix: '1206' }))).ListPhoneNumbersSummaryList).toEqual([]);
    });

    it('refused: Search and ListV2 answer InvalidParameterException naming the prefix; with + they answer', async () => {
      const c = await withReadings({ prefixWithoutPlus: 'refused' });
      const err = await caught(() => search(c, '1206'));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe("PhoneNumberPrefix '1206' must contain '+' as part of the country code, e.g. '+1206'.");
      expect(await caught(() => c.send(new ListPhoneNumbersV2Command({ PhoneNumberPrefix: '1206' })))).toBeInstanceOf(
        InvalidParameterException,
      );
      expect((await search(c, '+1206')).AvailableNumbersList).toHaveLength(NUMBERS.length);
    });
  });

  describe('reading longPrefix', () => {
    const twelveDigits = '+120655501001';
    const list = (c: ConnectClient, prefix: string) => c.send(new ListPhoneNumbersV2Command({ PhoneNumberPrefix: prefix }));

    it('refused (default): more than 11 digits fails the anchored pattern with InvalidParameterException', async () => {
      const c = await start();
      const err = await caught(() => list(c, twelveDigits));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toContain(`Value '${twelveDigits}' at 'phoneNumberPrefix' failed to satisfy constraint`);
      expect((await list(c, '+12065550100')).ListPhoneNumbersSummaryList).toEqual([]);
    });

    it('accepted: more than 11 digits passes the unanchored pattern and filters by the whole prefix', async () => {
      const c = await withReadings({ longPrefix: 'accepted' });
      await claim(c, NUMBERS[0]);
      expect((await list(c, twelveDigits)).ListPhoneNumbersSummaryList).toEqual([]);
      expect((await list(c, NUMBERS[0])).ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual([NUMBERS[0]]);
    });
  });

  describe('reading failedClaimRelease', () => {
    async function failedClaim(options: EmulatorOptions): Promise<{ c: ConnectClient; id: string }> {
      const c = await start(options);
      emu!.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: NUMBERS[0] });
      const id = await claim(c, NUMBERS[0]);
      expect(await status(c, id)).toBe('FAILED');
      return { c, id };
    }

    it('instant (default): the number is back in the inventory at once, no cooldown, no churn', async () => {
      const { c, id } = await failedClaim({ releaseDelayMs: 10_000 });
      const churn = emu!.snapshot().churn;
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: id }));
      expect(await caught(() => status(c, id))).toBeInstanceOf(ResourceNotFoundException);
      expect(emu!.snapshot().available.map((a) => a.phoneNumber)).toContain(NUMBERS[0]);
      expect(emu!.snapshot().coolingDown).toEqual([]);
      expect(emu!.snapshot().churn).toBe(churn);
    });

    it('release: like any release, IN_PROGRESS for releaseDelayMs, counted as churn, then cooling down', async () => {
      const { c, id } = await failedClaim({ releaseDelayMs: 10_000, readings: { failedClaimRelease: 'release' } });
      const churn = emu!.snapshot().churn;
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: id }));
      expect(await status(c, id)).toBe('IN_PROGRESS');
      clock.advance(10_000);
      expect(await caught(() => status(c, id))).toBeInstanceOf(ResourceNotFoundException);
      expect(emu!.snapshot().coolingDown).toEqual([NUMBERS[0]]);
      expect(emu!.snapshot().available.map((a) => a.phoneNumber)).not.toContain(NUMBERS[0]);
      expect(emu!.snapshot().churn).toBe(churn + 1);
    });
  });

  describe('readings of Chime SDK Voice', () => {
    const VC = 'vc1abcdefghij2klmnopq1';
    async function chimeUnder(readings: ServiceReadings) {
      await start({ readings });
      emu!.seedVoiceConnector({ voiceConnectorId: VC });
      emu!.seedChimeNumber({ phoneNumber: NUMBERS[0] });
      const chime = chimeClient(emu!);
      clients.push(chime);
      return chime;
    }

    it.each(['NotFound', 'Validation'] as const)(
      'disassociateNotAssociated %s: the entry of a number not on the connector; a number not in the inventory stays NotFound',
      async (code) => {
        const chime = await chimeUnder({ disassociateNotAssociated: code });
        const out = await chime.send(
          new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: VC, E164PhoneNumbers: [NUMBERS[0], '+19995550100'] }),
        );
        expect(out.PhoneNumberErrors?.map((e) => [e.PhoneNumberId, e.ErrorCode])).toEqual([
          [NUMBERS[0], code],
          ['+19995550100', 'NotFound'],
        ]);
      },
    );

    it.each([
      ['nonEmpty', 'any-connector-id', NotFoundException],
      ['strict', 'any-connector-id', BadRequestException],
      ['strict', VC, undefined],
      ['nonEmpty', VC, undefined],
    ] as const)('voiceConnectorId %s: GetVoiceConnector %s answers %p', async (reading, id, error) => {
      const chime = await chimeUnder({ voiceConnectorId: reading });
      const call = () => chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: id }));
      if (error === undefined) expect((await call()).VoiceConnector?.VoiceConnectorId).toBe(id);
      else expect(await caught(call)).toBeInstanceOf(error);
    });
  });
});
