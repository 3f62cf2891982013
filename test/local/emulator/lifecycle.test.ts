import {
  AssociatePhoneNumberContactFlowCommand,
  ClaimPhoneNumberCommand,
  ConnectClient,
  DescribePhoneNumberCommand,
  DisassociatePhoneNumberContactFlowCommand,
  InvalidParameterException,
  ListPhoneNumbersV2Command,
  ReleasePhoneNumberCommand,
  ResourceNotFoundException,
  SearchAvailablePhoneNumbersCommand,
  TagResourceCommand,
  UpdatePhoneNumberCommand,
  UpdatePhoneNumberMetadataCommand,
} from '@aws-sdk/client-connect';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, EmulatorOptions, ManualClock } from '../../../local/emulator';
import { caught, connectClient } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const NUMBERS = ['+12065550100', '+12065550101', '+12065550102'];

describe('asynchronous statuses, cooldown, churn and traffic distribution groups', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let instanceArn: string;
  const clients: ConnectClient[] = [];

  async function start(options: EmulatorOptions = {}): Promise<ConnectClient> {
    clock = createManualClock();
    emu = await startEmulator({ clock, rateScale: 1000, ...options });
    instanceArn = emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    emu.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
    emu.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: NUMBERS });
    return client();
  }
  function client(region?: string): ConnectClient {
    const c = connectClient(emu, { region });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await emu.stop();
  });

  const status = async (c: ConnectClient, id: string) =>
    (await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: id }))).ClaimedPhoneNumberSummary?.PhoneNumberStatus;

  describe('async operations', () => {
    it('a claim is IN_PROGRESS until asyncDelayMs has passed on the clock, then CLAIMED', async () => {
      const c = await start({ asyncDelayMs: 30_000 });
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'IN_PROGRESS' });
      expect(emu.snapshot().claimed[0].status).toBe('IN_PROGRESS');
      clock.advance(29_999);
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'IN_PROGRESS' });
      clock.advance(1);
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'CLAIMED' });
      // a flow can be associated only once CLAIMED
      await c.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' }));
    });

    it('a flow cannot be associated while IN_PROGRESS (InvalidParameterException)', async () => {
      const c = await start({ asyncDelayMs: 1000 });
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      const err = await caught(() => c.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' })));
      expect(err).toBeInstanceOf(InvalidParameterException);
    });

    it('UpdatePhoneNumber and UpdatePhoneNumberMetadata are IN_PROGRESS too', async () => {
      const c = await start({ asyncDelayMs: 1000 });
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      clock.advance(1000);
      await c.send(new UpdatePhoneNumberCommand({ PhoneNumberId, InstanceId: '22222222-2222-4222-8222-222222222222' }));
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'IN_PROGRESS' });
      clock.advance(1000);
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'CLAIMED' });
      await c.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'x' }));
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'IN_PROGRESS' });
      clock.advance(1000);
      expect(await status(c, PhoneNumberId!)).toEqual({ Status: 'CLAIMED' });
    });

    it('asyncFail: the claim ends FAILED with the message; the number can be claimed again; after a day it returns to inventory', async () => {
      const c = await start({ asyncDelayMs: 5000 });
      emu.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: NUMBERS[0], message: 'carrier rejected the order' });
      const first = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      expect(await status(c, first.PhoneNumberId!)).toEqual({ Status: 'IN_PROGRESS' });
      clock.advance(5000);
      expect(await status(c, first.PhoneNumberId!)).toEqual({ Status: 'FAILED', Message: 'carrier rejected the order' });
      expect(emu.snapshot().claimed.map((n) => [n.phoneNumber, n.status])).toEqual([[NUMBERS[0], 'FAILED']]);
      expect(emu.calls().find((x) => x.operation === 'ClaimPhoneNumber')?.fault).toBe('asyncFail');
      // retry (fault was used up): a new claim succeeds
      const second = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      clock.advance(5000);
      expect(await status(c, second.PhoneNumberId!)).toEqual({ Status: 'CLAIMED' });
      expect(second.PhoneNumberId).not.toBe(first.PhoneNumberId);

      emu.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: NUMBERS[1] });
      const failed = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[1] }));
      clock.advance(5000);
      expect((await status(c, failed.PhoneNumberId!))?.Status).toBe('FAILED');
      expect(emu.snapshot().available.map((a) => a.phoneNumber)).not.toContain(NUMBERS[1]);
      clock.advance(DAY);
      expect(emu.snapshot().available.map((a) => a.phoneNumber)).toContain(NUMBERS[1]);
      const gone = await caught(() => c.send(new DescribePhoneNumberCommand({ PhoneNumberId: failed.PhoneNumberId })));
      expect(gone).toBeInstanceOf(ResourceNotFoundException);
    });

    it('asyncFail on UpdatePhoneNumber: FAILED, and the number stays on its old target', async () => {
      const c = await start();
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: NUMBERS[0], message: 'nope' });
      await c.send(new UpdatePhoneNumberCommand({ PhoneNumberId, InstanceId: '22222222-2222-4222-8222-222222222222' }));
      const d = await c.send(new DescribePhoneNumberCommand({ PhoneNumberId }));
      expect(d.ClaimedPhoneNumberSummary).toMatchObject({ TargetArn: instanceArn, PhoneNumberStatus: { Status: 'FAILED', Message: 'nope' } });
    });
  });

  describe('cooldown', () => {
    it('a released number is neither searchable nor claimable until cooldownMs has passed', async () => {
      const c = await start({ cooldownMs: 30 * DAY });
      const search = async () => (await c.send(new SearchAvailablePhoneNumbersCommand({
        TargetArn: instanceArn, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID',
      }))).AvailableNumbersList!.map((n) => n.PhoneNumber);
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId }));
      expect(await search()).not.toContain(NUMBERS[0]);
      expect(emu.snapshot().coolingDown).toEqual([NUMBERS[0]]);
      const err = await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] })));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe(`Phone number not available: ${NUMBERS[0]}`);
      clock.advance(30 * DAY - 1);
      expect(await search()).not.toContain(NUMBERS[0]);
      clock.advance(1);
      expect(await search()).toContain(NUMBERS[0]);
      expect(emu.snapshot().coolingDown).toEqual([]);
      await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
    });
  });

  describe('churn', () => {
    it('claims are refused once claims + releases exceed 200% of phoneNumberQuota, until the window passes', async () => {
      const c = await start({ phoneNumberQuota: 1, cooldownMs: 0, churnWindowMs: 30 * DAY });
      const cycle = async (n: string) => {
        const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: n }));
        await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId }));
      };
      await cycle(NUMBERS[0]); // churn 2 = 200%
      expect(emu.snapshot().churn).toBe(2);
      await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[1] })); // churn 3 > 200%
      const before = emu.snapshot();
      const err = await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] })));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toMatch(/exceed 200% of the phone number quota/);
      expect(emu.snapshot()).toEqual(before);
      clock.advance(30 * DAY);
      expect(emu.snapshot().churn).toBe(0);
      await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] }));
    });
  });

  describe('traffic distribution groups', () => {
    let tdgArn: string;
    let east: ConnectClient;
    let west: ConnectClient;

    beforeEach(async () => {
      east = await start();
      west = client('us-west-2');
      tdgArn = emu.seedTrafficDistributionGroup({ trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', alternateRegion: 'us-west-2', instanceArn });
      emu.seedInstance({ region: 'us-west-2', instanceId: '11111111-1111-4111-8111-111111111111' });
      emu.seedContactFlow({ region: 'us-west-2', instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' });
    });

    it('a TDG number is visible in the alternate region by full ARN only', async () => {
      const { PhoneNumberId, PhoneNumberArn } = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }));
      expect(PhoneNumberArn).toMatch(/^arn:aws:connect:us-east-1:/);
      const byArn = await west.send(new DescribePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn }));
      expect(byArn.ClaimedPhoneNumberSummary).toMatchObject({ PhoneNumberId, TargetArn: tdgArn, PhoneNumberStatus: { Status: 'CLAIMED' } });
      expect(byArn.ClaimedPhoneNumberSummary?.InstanceId).toBeUndefined();
      const byId = await caught(() => west.send(new DescribePhoneNumberCommand({ PhoneNumberId })));
      expect(byId).toBeInstanceOf(ResourceNotFoundException);
      expect(byId.$metadata.httpStatusCode).toBe(404);
      // both forms work in the claim region
      await east.send(new DescribePhoneNumberCommand({ PhoneNumberId }));
      await east.send(new DescribePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn }));
      const listed = await west.send(new ListPhoneNumbersV2Command({}));
      expect(listed.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumberArn)).toEqual([PhoneNumberArn]);
      // tags by ARN from the alternate region
      await west.send(new TagResourceCommand({ resourceArn: PhoneNumberArn, tags: { k: 'v' } }));
      expect(emu.snapshot().claimed[0].tags).toEqual({ k: 'v' });
      expect(emu.snapshot({ region: 'us-west-2' }).claimed).toEqual([]); // claimed in us-east-1
    });

    it('flows can be associated in either region with the ARN; the UUID fails in the alternate region', async () => {
      const { PhoneNumberId, PhoneNumberArn } = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }));
      await east.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' }));
      const err = await caught(() => west.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' })));
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      await west.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: PhoneNumberArn, InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' }));
      expect(emu.snapshot().claimed[0].flows).toEqual({ '11111111-1111-4111-8111-111111111111': 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' });
      await west.send(new DisassociatePhoneNumberContactFlowCommand({ PhoneNumberId: PhoneNumberArn, InstanceId: '11111111-1111-4111-8111-111111111111' }));
    });

    it('ClaimPhoneNumber works only in the TDG region; Release only in the claim region', async () => {
      const wrongRegion = await caught(() => west.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[1] })));
      expect(wrongRegion).toBeInstanceOf(ResourceNotFoundException);
      const { PhoneNumberArn } = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }));
      const before = emu.snapshot();
      const release = await caught(() => west.send(new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn })));
      expect(release).toBeInstanceOf(InvalidParameterException);
      expect(release.message).toMatch(/region where the number was claimed \(us-east-1\)/);
      expect(emu.snapshot()).toEqual(before);
      await east.send(new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn }));
      expect(emu.snapshot().claimed).toEqual([]);
    });
  });

  describe('seedClaimedNumber', () => {
    it('makes a number already claimed (for adoption tests)', async () => {
      const c = await start();
      const arn = emu.seedClaimedNumber({ phoneNumber: NUMBERS[2], targetArn: instanceArn, description: 'legacy', tags: { owner: 'x' } });
      const d = await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
      expect(d.ClaimedPhoneNumberSummary).toMatchObject({
        PhoneNumberArn: arn, PhoneNumber: NUMBERS[2], PhoneNumberDescription: 'legacy', Tags: { owner: 'x' }, PhoneNumberStatus: { Status: 'CLAIMED' },
      });
      expect(emu.snapshot().available.map((a) => a.phoneNumber)).not.toContain(NUMBERS[2]);
      const err = await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] })));
      expect(err).toBeInstanceOf(InvalidParameterException);
    });
  });
});
