import {
  AssociatePhoneNumberContactFlowCommand,
  BatchGetFlowAssociationCommand,
  ClaimPhoneNumberCommand,
  ConnectClient,
  DescribePhoneNumberCommand,
  DisassociatePhoneNumberContactFlowCommand,
  InvalidParameterException,
  ListFlowAssociationsCommand,
  ListPhoneNumbersV2Command,
  ReleasePhoneNumberCommand,
  ResourceInUseException,
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
      await c.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        }),
      );
    });

    it('a flow cannot be associated while IN_PROGRESS (InvalidParameterException)', async () => {
      const c = await start({ asyncDelayMs: 1000 });
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      const err = await caught(() =>
        c.send(
          new AssociatePhoneNumberContactFlowCommand({
            PhoneNumberId,
            InstanceId: '11111111-1111-4111-8111-111111111111',
            ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
          }),
        ),
      );
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
      expect(d.ClaimedPhoneNumberSummary).toMatchObject({
        TargetArn: instanceArn,
        PhoneNumberStatus: { Status: 'FAILED', Message: 'nope' },
      });
    });
  });

  describe('cooldown', () => {
    it('a released number is neither searchable nor claimable until cooldownMs has passed', async () => {
      const c = await start({ cooldownMs: 30 * DAY });
      const search = async () =>
        (
          await c.send(
            new SearchAvailablePhoneNumbersCommand({
              TargetArn: instanceArn,
              PhoneNumberCountryCode: 'US',
              PhoneNumberType: 'DID',
            }),
          )
        ).AvailableNumbersList!.map((n) => n.PhoneNumber);
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
      tdgArn = emu.seedTrafficDistributionGroup({
        trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
        alternateRegion: 'us-west-2',
        instanceArn,
      });
      emu.seedInstance({ region: 'us-west-2', instanceId: '11111111-1111-4111-8111-111111111111' });
      emu.seedContactFlow({
        region: 'us-west-2',
        instanceId: '11111111-1111-4111-8111-111111111111',
        contactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
      });
    });

    it('a TDG number is visible in the alternate region by full ARN only', async () => {
      const { PhoneNumberId, PhoneNumberArn } = await east.send(
        new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }),
      );
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
      const { PhoneNumberId, PhoneNumberArn } = await east.send(
        new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }),
      );
      await east.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        }),
      );
      const err = await caught(() =>
        west.send(
          new AssociatePhoneNumberContactFlowCommand({
            PhoneNumberId,
            InstanceId: '11111111-1111-4111-8111-111111111111',
            ContactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
          }),
        ),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      await west.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId: PhoneNumberArn,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
        }),
      );
      // one binding per region: the replica instance keeps the instance id, and binding in us-west-2 leaves us-east-1's alone
      expect(emu.snapshot().claimed[0].flows).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
      expect(emu.snapshot().claimed[0].flowsByRegion).toEqual({
        'us-east-1': { '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' },
        'us-west-2': { '11111111-1111-4111-8111-111111111111': 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' },
      });
      const inEast = await east.send(
        new ListFlowAssociationsCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', ResourceType: 'VOICE_PHONE_NUMBER' }),
      );
      expect(inEast.FlowAssociationSummaryList?.map((f) => f.FlowId)).toEqual([
        expect.stringMatching(/:us-east-1:.*contact-flow\/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa$/),
      ]);
      const inWest = await west.send(
        new BatchGetFlowAssociationCommand({
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ResourceIds: [PhoneNumberArn as string],
          ResourceType: 'VOICE_PHONE_NUMBER',
        }),
      );
      expect(inWest.FlowAssociationSummaryList?.map((f) => f.FlowId)).toEqual([
        expect.stringMatching(/:us-west-2:.*contact-flow\/eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee$/),
      ]);
      // unbinding in one region leaves the other region's binding
      await west.send(
        new DisassociatePhoneNumberContactFlowCommand({
          PhoneNumberId: PhoneNumberArn,
          InstanceId: '11111111-1111-4111-8111-111111111111',
        }),
      );
      expect(emu.snapshot().claimed[0].flowsByRegion).toEqual({
        'us-east-1': { '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' },
      });
      const again = await caught(() =>
        west.send(
          new DisassociatePhoneNumberContactFlowCommand({
            PhoneNumberId: PhoneNumberArn,
            InstanceId: '11111111-1111-4111-8111-111111111111',
          }),
        ),
      );
      expect(again).toBeInstanceOf(ResourceNotFoundException);
    });

    it('a traffic distribution group has its own numbers quota: a claim past it ends FAILED', async () => {
      await emu.stop();
      east = await start({ phoneNumbersPerTarget: 1, asyncDelayMs: 1000 });
      west = client('us-west-2');
      tdgArn = emu.seedTrafficDistributionGroup({
        trafficDistributionGroupId: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
        alternateRegion: 'us-west-2',
        instanceArn,
      });
      const first = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }));
      const onInstance = await east.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[1] }));
      const second = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[2] }));
      clock.advance(1000);
      expect(await status(east, first.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      expect(await status(east, onInstance.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      expect((await status(east, second.PhoneNumberId as string))?.Message).toContain(
        `${tdgArn} has reached its limit of total claimed numbers (1)`,
      );
    });

    it('SearchAvailablePhoneNumbers and ListPhoneNumbersV2 accept the TDG ARN from its alternate region', async () => {
      const { PhoneNumberArn } = await east.send(new ClaimPhoneNumberCommand({ TargetArn: tdgArn, PhoneNumber: NUMBERS[0] }));
      const listed = await west.send(new ListPhoneNumbersV2Command({ TargetArn: tdgArn }));
      expect(listed.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumberArn)).toEqual([PhoneNumberArn]);
      const found = await west.send(
        new SearchAvailablePhoneNumbersCommand({ TargetArn: tdgArn, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID' }),
      );
      const fromEast = await east.send(
        new SearchAvailablePhoneNumbersCommand({ TargetArn: tdgArn, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID' }),
      );
      expect(found.AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(fromEast.AvailableNumbersList?.map((n) => n.PhoneNumber));
      expect(found.AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(NUMBERS.slice(1));
      // an instance ARN of the other region is still refused
      const otherRegion = await caught(() => west.send(new ListPhoneNumbersV2Command({ TargetArn: instanceArn })));
      expect(otherRegion).toBeInstanceOf(ResourceNotFoundException);
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

  describe('asynchronous release (releaseDelayMs)', () => {
    it('a released number stays IN_PROGRESS, listed and refusing changes, until releaseDelayMs has passed; then it is gone and cools down', async () => {
      const c = await start({ releaseDelayMs: 60_000 });
      const { PhoneNumberId, PhoneNumberArn } = await c.send(
        new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }),
      );
      const token = '5e1ea5e0-0000-4000-8000-000000000001';
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn, ClientToken: token }));
      expect(await status(c, PhoneNumberId as string)).toEqual({ Status: 'IN_PROGRESS' });
      expect(emu.snapshot().claimed).toEqual([
        expect.objectContaining({ phoneNumberArn: PhoneNumberArn, status: 'IN_PROGRESS', releasing: true }),
      ]);
      const listed = await c.send(new ListPhoneNumbersV2Command({ TargetArn: instanceArn }));
      expect(listed.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumberArn)).toEqual([PhoneNumberArn]);
      // the same release replayed (same token) is answered again without a second release
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn, ClientToken: token }));
      expect(emu.snapshot().churn).toBe(2); // one claim, one release
      // another release, a move, a metadata change: refused while the release runs
      for (const cmd of [
        new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn, ClientToken: '5e1ea5e0-0000-4000-8000-000000000002' }),
        new UpdatePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn, InstanceId: '22222222-2222-4222-8222-222222222222' }),
        new UpdatePhoneNumberMetadataCommand({ PhoneNumberId: PhoneNumberArn, PhoneNumberDescription: 'x' }),
      ]) {
        const err = await caught(() => c.send(cmd as never));
        expect(err).toBeInstanceOf(ResourceInUseException);
      }
      // nor can anyone claim it meanwhile
      expect(await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] })))).toBeInstanceOf(
        InvalidParameterException,
      );
      clock.advance(59_999);
      expect(await status(c, PhoneNumberId as string)).toEqual({ Status: 'IN_PROGRESS' });
      clock.advance(1);
      expect(await caught(() => c.send(new DescribePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(emu.snapshot()).toMatchObject({ claimed: [], coolingDown: [NUMBERS[0]], churn: 2 });
    });

    it('with the default releaseDelayMs 0 a release is gone at once', async () => {
      const c = await start();
      const { PhoneNumberArn } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn }));
      expect(emu.snapshot()).toMatchObject({ claimed: [], coolingDown: [NUMBERS[0]] });
    });
  });

  describe('numbers per instance or traffic distribution group (phoneNumbersPerTarget)', () => {
    it('a claim past the quota is accepted and ends FAILED with a message naming the target; FAILED claims do not count', async () => {
      const c = await start({ phoneNumbersPerTarget: 2, asyncDelayMs: 1000 });
      const a = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[0] }));
      const b = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[1] }));
      const third = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] }));
      clock.advance(1000);
      expect(await status(c, a.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      expect(await status(c, b.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      const failed = await status(c, third.PhoneNumberId as string);
      expect(failed?.Status).toBe('FAILED');
      expect(failed?.Message).toContain(`${instanceArn} has reached its limit of total claimed numbers (2)`);
      // another target has its own quota; a move into the full one ends FAILED and stays where it was
      const moved = await c.send(
        new UpdatePhoneNumberCommand({ PhoneNumberId: b.PhoneNumberId, InstanceId: '22222222-2222-4222-8222-222222222222' }),
      );
      clock.advance(1000);
      expect(await status(c, moved.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      // the FAILED claim is retried once there is room: NUMBERS[2] is still reserved for this account
      const retried = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] }));
      clock.advance(1000);
      expect(await status(c, retried.PhoneNumberId as string)).toEqual({ Status: 'CLAIMED' });
      const back = await c.send(
        new UpdatePhoneNumberCommand({ PhoneNumberId: b.PhoneNumberId, InstanceId: '11111111-1111-4111-8111-111111111111' }),
      );
      clock.advance(1000);
      const refused = await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: back.PhoneNumberId }));
      expect(refused.ClaimedPhoneNumberSummary).toMatchObject({
        PhoneNumberStatus: { Status: 'FAILED', Message: expect.stringContaining('has reached its limit') },
        InstanceId: '22222222-2222-4222-8222-222222222222',
      });
    });

    it('defaults to 5 numbers per target', async () => {
      const c = await start({ asyncDelayMs: 0 });
      const six = ['+12065550110', '+12065550111', '+12065550112', '+12065550113', '+12065550114', '+12065550115'];
      emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: six });
      const ids: string[] = [];
      for (const n of six)
        ids.push((await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: n }))).PhoneNumberId as string);
      const statuses = await Promise.all(ids.map(async (id) => (await status(c, id))?.Status));
      expect(statuses).toEqual(['CLAIMED', 'CLAIMED', 'CLAIMED', 'CLAIMED', 'CLAIMED', 'FAILED']);
    });
  });

  describe('seedClaimedNumber', () => {
    it('makes a number already claimed (for adoption tests)', async () => {
      const c = await start();
      const arn = emu.seedClaimedNumber({ phoneNumber: NUMBERS[2], targetArn: instanceArn, description: 'legacy', tags: { owner: 'x' } });
      const d = await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
      expect(d.ClaimedPhoneNumberSummary).toMatchObject({
        PhoneNumberArn: arn,
        PhoneNumber: NUMBERS[2],
        PhoneNumberDescription: 'legacy',
        Tags: { owner: 'x' },
        PhoneNumberStatus: { Status: 'CLAIMED' },
      });
      expect(emu.snapshot().available.map((a) => a.phoneNumber)).not.toContain(NUMBERS[2]);
      const err = await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: NUMBERS[2] })));
      expect(err).toBeInstanceOf(InvalidParameterException);
    });
  });
});
