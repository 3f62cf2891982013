import {
  AssociatePhoneNumberContactFlowCommand,
  BatchGetFlowAssociationCommand,
  ClaimPhoneNumberCommand,
  ConnectClient,
  DescribePhoneNumberCommand,
  DisassociatePhoneNumberContactFlowCommand,
  IdempotencyException,
  InvalidParameterException,
  ListFlowAssociationsCommand,
  ListPhoneNumbersV2Command,
  ListTagsForResourceCommand,
  ReleasePhoneNumberCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SearchAvailablePhoneNumbersCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePhoneNumberCommand,
  UpdatePhoneNumberMetadataCommand,
} from '@aws-sdk/client-connect';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, ManualClock } from '../../../local/emulator';
import { ACCOUNT, REGION, caught, connectClient } from './helpers';

const DIDS = ['+12065550100', '+12065550101', '+12065550102', '+12065550103', '+13125550100'];
const TOLL_FREE = ['+18885550100', '+18885550101'];

describe('Connect phone-number operations through the real SDK', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let connect: ConnectClient;
  let instanceArn: string;
  let otherInstanceArn: string;

  beforeEach(async () => {
    clock = createManualClock();
    emu = await startEmulator({ clock, rateScale: 1000 });
    connect = connectClient(emu);
    instanceArn = emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    otherInstanceArn = emu.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
    emu.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
    emu.seedContactFlow({ instanceId: '11111111-1111-4111-8111-111111111111', contactFlowId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' });
    emu.seedContactFlow({ instanceId: '22222222-2222-4222-8222-222222222222', contactFlowId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: DIDS });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'TOLL_FREE', phoneNumbers: TOLL_FREE });
  });

  afterEach(async () => {
    connect.destroy();
    await emu.stop();
  });

  const claim = (phoneNumber: string, extra: Partial<ConstructorParameters<typeof ClaimPhoneNumberCommand>[0]> = {}) =>
    connect.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: phoneNumber, ...extra }));

  describe('SearchAvailablePhoneNumbers', () => {
    it('filters by country, type and prefix (with or without +)', async () => {
      const tf = await connect.send(
        new SearchAvailablePhoneNumbersCommand({
          TargetArn: instanceArn,
          PhoneNumberCountryCode: 'US',
          PhoneNumberType: 'TOLL_FREE',
        }),
      );
      expect(tf.AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(TOLL_FREE);
      expect(tf.AvailableNumbersList?.[0]).toEqual({
        PhoneNumber: '+18885550100',
        PhoneNumberCountryCode: 'US',
        PhoneNumberType: 'TOLL_FREE',
      });
      for (const prefix of ['+1312', '1312']) {
        const r = await connect.send(
          new SearchAvailablePhoneNumbersCommand({
            InstanceId: '11111111-1111-4111-8111-111111111111',
            PhoneNumberCountryCode: 'US',
            PhoneNumberType: 'DID',
            PhoneNumberPrefix: prefix,
          }),
        );
        expect(r.AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(['+13125550100']);
      }
      const gb = await connect.send(
        new SearchAvailablePhoneNumbersCommand({ TargetArn: instanceArn, PhoneNumberCountryCode: 'GB', PhoneNumberType: 'DID' }),
      );
      expect(gb.AvailableNumbersList).toEqual([]);
    });

    it('pages with MaxResults and NextToken, and excludes claimed numbers', async () => {
      await claim('+12065550101');
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await connect.send(
          new SearchAvailablePhoneNumbersCommand({
            TargetArn: instanceArn,
            PhoneNumberCountryCode: 'US',
            PhoneNumberType: 'DID',
            MaxResults: 2,
            NextToken: token,
          }),
        );
        pages += 1;
        expect(r.AvailableNumbersList!.length).toBeLessThanOrEqual(2);
        seen.push(...r.AvailableNumbersList!.map((n) => n.PhoneNumber!));
        token = r.NextToken;
      } while (token);
      expect(pages).toBe(2);
      expect(seen).toEqual(['+12065550100', '+12065550102', '+12065550103', '+13125550100']);
    });

    it('rejects MaxResults out of range and an unknown target with InvalidParameterException', async () => {
      for (const cmd of [
        new SearchAvailablePhoneNumbersCommand({
          TargetArn: instanceArn,
          PhoneNumberCountryCode: 'US',
          PhoneNumberType: 'DID',
          MaxResults: 11,
        }),
        new SearchAvailablePhoneNumbersCommand({
          InstanceId: '00000000-0000-4000-8000-00000000dead',
          PhoneNumberCountryCode: 'US',
          PhoneNumberType: 'DID',
        }),
        new SearchAvailablePhoneNumbersCommand({ TargetArn: instanceArn, PhoneNumberCountryCode: 'XX' as never, PhoneNumberType: 'DID' }),
      ]) {
        const err = await caught(() => connect.send(cmd));
        expect(err).toBeInstanceOf(InvalidParameterException);
        expect(err.name).toBe('InvalidParameterException');
        expect(err.$metadata.httpStatusCode).toBe(400);
      }
    });
  });

  describe('ClaimPhoneNumber and DescribePhoneNumber', () => {
    it('claims a number with tags and description; Describe works by UUID and by ARN', async () => {
      const r = await claim('+12065550100', { PhoneNumberDescription: 'main line', Tags: { team: 'ops' } });
      expect(r.PhoneNumberId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.PhoneNumberArn).toBe(`arn:aws:connect:${REGION}:${ACCOUNT}:phone-number/${r.PhoneNumberId}`);
      for (const id of [r.PhoneNumberId!, r.PhoneNumberArn!]) {
        const d = await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: id }));
        expect(d.ClaimedPhoneNumberSummary).toEqual({
          PhoneNumberId: r.PhoneNumberId,
          PhoneNumberArn: r.PhoneNumberArn,
          PhoneNumber: '+12065550100',
          PhoneNumberCountryCode: 'US',
          PhoneNumberType: 'DID',
          PhoneNumberDescription: 'main line',
          TargetArn: instanceArn,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          Tags: { team: 'ops' },
          PhoneNumberStatus: { Status: 'CLAIMED' },
        });
      }
      const snap = emu.snapshot();
      expect(snap.claimed).toHaveLength(1);
      expect(snap.claimed[0]).toMatchObject({
        phoneNumber: '+12065550100',
        status: 'CLAIMED',
        description: 'main line',
        tags: { team: 'ops' },
        flows: {},
      });
      expect(snap.available.map((a) => a.phoneNumber)).not.toContain('+12065550100');
    });

    it('claims by InstanceId too', async () => {
      const r = await connect.send(
        new ClaimPhoneNumberCommand({ InstanceId: '22222222-2222-4222-8222-222222222222', PhoneNumber: '+12065550102' }),
      );
      const d = await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: r.PhoneNumberId }));
      expect(d.ClaimedPhoneNumberSummary?.TargetArn).toBe(otherInstanceArn);
    });

    it('answers InvalidParameterException "Phone number not available" for a taken or unknown number', async () => {
      await claim('+12065550100');
      for (const n of ['+12065550100', '+19995550100']) {
        const err = await caught(() => claim(n));
        expect(err).toBeInstanceOf(InvalidParameterException);
        expect(err.$metadata.httpStatusCode).toBe(400);
        expect(err.message).toBe(`Phone number not available: ${n}`);
      }
      expect(emu.snapshot().claimed).toHaveLength(1);
    });

    it('answers ResourceNotFoundException for an unknown target or phone number', async () => {
      const err = await caught(() =>
        claim('+12065550100', { TargetArn: `arn:aws:connect:${REGION}:${ACCOUNT}:instance/0ff00000-0000-4000-8000-000000000404` }),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.$metadata.httpStatusCode).toBe(404);
      expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const d = await caught(() => connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: '00000000-0000-0000-0000-000000000000' })));
      expect(d).toBeInstanceOf(ResourceNotFoundException);
      expect(emu.snapshot().claimed).toHaveLength(0);
    });

    it('validates the input against the model (pattern, tag keys, required members, target)', async () => {
      const cases: Array<Parameters<typeof claim>> = [
        ['2065550100'], // no leading +
        ['+12065550100', { Tags: { 'aws:reserved': 'x' } }],
        ['+12065550100', { PhoneNumberDescription: 'x'.repeat(501) }],
        ['+12065550100', { InstanceId: '11111111-1111-4111-8111-111111111111' }], // both InstanceId and TargetArn
        ['+12065550100', { TargetArn: undefined }], // neither
      ];
      for (const args of cases) {
        const err = await caught(() => claim(...args));
        expect(err).toBeInstanceOf(InvalidParameterException);
        expect(err.$metadata.httpStatusCode).toBe(400);
      }
      const missing = await caught(() => connect.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn } as never)));
      expect(missing).toBeInstanceOf(InvalidParameterException);
      expect(missing.message).toContain("at 'phoneNumber' failed to satisfy constraint: Member must not be null");
      expect(emu.snapshot().claimed).toHaveLength(0);
    });
  });

  describe('ClientToken idempotency', () => {
    it('refuses a ClientToken that is not a lowercase UUID with InvalidParameterException naming the value, and changes nothing', async () => {
      const before = emu.snapshot();
      for (const token of ['fixed', 'A0000000-0000-4000-8000-000000000001', '00000000000040008000000000000001']) {
        const err = await caught(() => claim('+12065550100', { ClientToken: token }));
        expect(err).toBeInstanceOf(InvalidParameterException);
        expect(err.message).toContain(`Value '${token}' at 'clientToken' failed to satisfy constraint`);
      }
      expect(emu.snapshot()).toEqual(before);
      const { PhoneNumberId } = await claim('+12065550100');
      const bad = await caught(() => connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId, ClientToken: 'release-1' })));
      expect(bad).toBeInstanceOf(InvalidParameterException);
      expect(emu.snapshot().claimed).toHaveLength(1);
    });

    const token = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

    it('same token and same request: one number, same result', async () => {
      const a = await claim('+12065550100', { ClientToken: token });
      const b = await claim('+12065550100', { ClientToken: token });
      expect(b.PhoneNumberId).toBe(a.PhoneNumberId);
      expect(b.PhoneNumberArn).toBe(a.PhoneNumberArn);
      expect(emu.snapshot().claimed).toHaveLength(1);
      expect(emu.snapshot().churn).toBe(1);
    });

    it('same token and a different request: IdempotencyException 409 and nothing changes', async () => {
      await claim('+12065550100', { ClientToken: token });
      const before = emu.snapshot();
      const err = await caught(() => claim('+12065550101', { ClientToken: token }));
      expect(err).toBeInstanceOf(IdempotencyException);
      expect(err.name).toBe('IdempotencyException');
      expect(err.$metadata.httpStatusCode).toBe(409);
      expect(emu.snapshot()).toEqual(before);
    });

    it('applies to Update, UpdateMetadata and Release, scoped per operation', async () => {
      const { PhoneNumberId } = await claim('+12065550100', { ClientToken: token });
      await connect.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'd1', ClientToken: token }));
      await connect.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'd1', ClientToken: token }));
      const err = await caught(() =>
        connect.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'd2', ClientToken: token })),
      );
      expect(err).toBeInstanceOf(IdempotencyException);
      await connect.send(new UpdatePhoneNumberCommand({ PhoneNumberId, TargetArn: otherInstanceArn, ClientToken: token }));
      const upd = await connect.send(new UpdatePhoneNumberCommand({ PhoneNumberId, TargetArn: otherInstanceArn, ClientToken: token }));
      expect(upd.PhoneNumberId).toBe(PhoneNumberId);
      await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId, ClientToken: token }));
      // A retried release with the same token succeeds without a second release.
      await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId, ClientToken: token }));
      const snap = emu.snapshot();
      expect(snap.claimed).toHaveLength(0);
      expect(snap.coolingDown).toEqual(['+12065550100']);
      expect(snap.churn).toBe(2);
      // Without a token (the SDK fills a random one) a second release is a new request: not found.
      const again = await caught(() => connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId })));
      expect(again).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('UpdatePhoneNumber, UpdatePhoneNumberMetadata, ReleasePhoneNumber', () => {
    it('moves the number to another instance and drops its flow association', async () => {
      const { PhoneNumberId, PhoneNumberArn } = await claim('+12065550100');
      await connect.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        }),
      );
      expect(emu.snapshot().claimed[0].flows).toEqual({ '11111111-1111-4111-8111-111111111111': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' });
      const r = await connect.send(new UpdatePhoneNumberCommand({ PhoneNumberId: PhoneNumberArn, TargetArn: otherInstanceArn }));
      expect(r).toMatchObject({ PhoneNumberId, PhoneNumberArn });
      const d = await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId }));
      expect(d.ClaimedPhoneNumberSummary).toMatchObject({
        TargetArn: otherInstanceArn,
        InstanceId: '22222222-2222-4222-8222-222222222222',
        PhoneNumberStatus: { Status: 'CLAIMED' },
      });
      expect(emu.snapshot().claimed[0].flows).toEqual({});
      const list = await connect.send(
        new ListFlowAssociationsCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', ResourceType: 'VOICE_PHONE_NUMBER' }),
      );
      expect(list.FlowAssociationSummaryList).toEqual([]);
    });

    it('answers ResourceNotFoundException for an unknown new target', async () => {
      const { PhoneNumberId } = await claim('+12065550100');
      const err = await caught(() =>
        connect.send(new UpdatePhoneNumberCommand({ PhoneNumberId, InstanceId: '0ff00000-0000-4000-8000-000000000404' })),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(emu.snapshot().claimed[0].targetArn).toBe(instanceArn);
    });

    it('updates the description', async () => {
      const { PhoneNumberId } = await claim('+12065550100', { PhoneNumberDescription: 'old' });
      const out = await connect.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'new' }));
      expect(out.$metadata.httpStatusCode).toBe(200);
      const d = await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId }));
      expect(d.ClaimedPhoneNumberSummary?.PhoneNumberDescription).toBe('new');
    });

    it('releases: the number cools down and is gone', async () => {
      const { PhoneNumberId } = await claim('+12065550100');
      const out = await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId }));
      expect(out.$metadata.httpStatusCode).toBe(200);
      const err = await caught(() => connect.send(new DescribePhoneNumberCommand({ PhoneNumberId })));
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(emu.snapshot().coolingDown).toEqual(['+12065550100']);
      const log = emu.calls().find((c) => c.operation === 'ReleasePhoneNumber');
      expect(log?.input).toMatchObject({ PhoneNumberId });
      expect(typeof log?.input.ClientToken).toBe('string'); // from the query string (clientToken)
    });

    it('answers ResourceInUseException (with ResourceType and ResourceId) while IN_PROGRESS', async () => {
      await emu.stop();
      emu = await startEmulator({ clock, asyncDelayMs: 60_000, rateScale: 1000 });
      connect.destroy();
      connect = connectClient(emu);
      emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      emu.seedInstance({ instanceId: '22222222-2222-4222-8222-222222222222' });
      emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: DIDS });
      const { PhoneNumberId } = await claim('+12065550100');
      for (const cmd of [
        new UpdatePhoneNumberCommand({ PhoneNumberId, TargetArn: otherInstanceArn }),
        new UpdatePhoneNumberMetadataCommand({ PhoneNumberId, PhoneNumberDescription: 'x' }),
        new ReleasePhoneNumberCommand({ PhoneNumberId }),
      ]) {
        const err = await caught(() => connect.send(cmd as never));
        expect(err).toBeInstanceOf(ResourceInUseException);
        expect(err.$metadata.httpStatusCode).toBe(409);
        expect(err.ResourceType).toBe('PHONE_NUMBER');
        expect(err.ResourceId).toBe(PhoneNumberId);
      }
      expect(emu.snapshot().claimed[0].targetArn).toBe(instanceArn);
    });
  });

  describe('flow associations', () => {
    it('associates, lists, batch-gets and disassociates', async () => {
      const a = await claim('+12065550100');
      const b = await claim('+12065550101');
      await connect.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId: a.PhoneNumberId,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        }),
      );
      await connect.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId: b.PhoneNumberArn,
          InstanceId: instanceArn,
          ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        }),
      );
      // one association per number and instance: re-associating replaces it
      await connect.send(
        new AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId: b.PhoneNumberId,
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ContactFlowId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        }),
      );
      const flowArn = (f: string) => `arn:aws:connect:${REGION}:${ACCOUNT}:instance/11111111-1111-4111-8111-111111111111/contact-flow/${f}`;
      const list = await connect.send(
        new ListFlowAssociationsCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', ResourceType: 'VOICE_PHONE_NUMBER' }),
      );
      expect(list.FlowAssociationSummaryList).toEqual(
        expect.arrayContaining([
          { ResourceId: a.PhoneNumberArn, FlowId: flowArn('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), ResourceType: 'VOICE_PHONE_NUMBER' },
          { ResourceId: b.PhoneNumberArn, FlowId: flowArn('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'), ResourceType: 'VOICE_PHONE_NUMBER' },
        ]),
      );
      expect(list.FlowAssociationSummaryList).toHaveLength(2);
      const page1 = await connect.send(
        new ListFlowAssociationsCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', MaxResults: 1 }),
      );
      expect(page1.FlowAssociationSummaryList).toHaveLength(1);
      const page2 = await connect.send(
        new ListFlowAssociationsCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', MaxResults: 1, NextToken: page1.NextToken }),
      );
      expect(page2.FlowAssociationSummaryList).toHaveLength(1);
      expect(page2.NextToken).toBeUndefined();
      expect(page2.FlowAssociationSummaryList![0].ResourceId).not.toBe(page1.FlowAssociationSummaryList![0].ResourceId);

      const batch = await connect.send(
        new BatchGetFlowAssociationCommand({
          InstanceId: '11111111-1111-4111-8111-111111111111',
          ResourceIds: [a.PhoneNumberId!, b.PhoneNumberArn!, 'unknown-id'],
          ResourceType: 'VOICE_PHONE_NUMBER',
        }),
      );
      expect(batch.FlowAssociationSummaryList).toEqual([
        { ResourceId: a.PhoneNumberArn, FlowId: flowArn('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), ResourceType: 'VOICE_PHONE_NUMBER' },
        { ResourceId: b.PhoneNumberArn, FlowId: flowArn('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'), ResourceType: 'VOICE_PHONE_NUMBER' },
      ]);

      await connect.send(
        new DisassociatePhoneNumberContactFlowCommand({
          PhoneNumberId: a.PhoneNumberArn,
          InstanceId: '11111111-1111-4111-8111-111111111111',
        }),
      );
      const err = await caught(() =>
        connect.send(
          new DisassociatePhoneNumberContactFlowCommand({
            PhoneNumberId: a.PhoneNumberId,
            InstanceId: '11111111-1111-4111-8111-111111111111',
          }),
        ),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(err.$metadata.httpStatusCode).toBe(404);
      const call = emu.calls().filter((c) => c.operation === 'DisassociatePhoneNumberContactFlow')[0];
      expect(call.input).toEqual({ PhoneNumberId: a.PhoneNumberArn, InstanceId: '11111111-1111-4111-8111-111111111111' });
      expect(emu.snapshot().claimed.find((n) => n.phoneNumberId === b.PhoneNumberId)?.flows).toEqual({
        '11111111-1111-4111-8111-111111111111': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
      });
    });

    it('requires the flow in that instance and the number claimed to it', async () => {
      const a = await claim('+12065550100');
      const cases = [
        { InstanceId: '11111111-1111-4111-8111-111111111111', ContactFlowId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' }, // flow of another instance
        { InstanceId: '22222222-2222-4222-8222-222222222222', ContactFlowId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' }, // number not claimed to 22222222-2222-4222-8222-222222222222
        { InstanceId: '99999999-9999-4999-8999-999999999999', ContactFlowId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' }, // unknown instance
      ];
      for (const c of cases) {
        const err = await caught(() => connect.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: a.PhoneNumberId, ...c })));
        expect(err).toBeInstanceOf(ResourceNotFoundException);
      }
      const list = await caught(() =>
        connect.send(new ListFlowAssociationsCommand({ InstanceId: '99999999-9999-4999-8999-999999999999' })),
      );
      expect(list).toBeInstanceOf(ResourceNotFoundException);
      const batch = await caught(() =>
        connect.send(new BatchGetFlowAssociationCommand({ InstanceId: '11111111-1111-4111-8111-111111111111', ResourceIds: [] })),
      );
      expect(batch).toBeInstanceOf(InvalidParameterException);
      expect(emu.snapshot().claimed[0].flows).toEqual({});
    });
  });

  describe('ListPhoneNumbersV2', () => {
    it('lists claimed numbers with target, country, type and prefix filters, paged', async () => {
      const a = await claim('+12065550100', { PhoneNumberDescription: 'a' });
      await claim('+13125550100');
      await claim('+18885550100', { TargetArn: otherInstanceArn });
      const all = await connect.send(new ListPhoneNumbersV2Command({}));
      expect(all.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual(['+12065550100', '+13125550100', '+18885550100']);
      expect(all.ListPhoneNumbersSummaryList?.[0]).toEqual({
        PhoneNumberId: a.PhoneNumberId,
        PhoneNumberArn: a.PhoneNumberArn,
        PhoneNumber: '+12065550100',
        PhoneNumberCountryCode: 'US',
        PhoneNumberType: 'DID',
        TargetArn: instanceArn,
        InstanceId: '11111111-1111-4111-8111-111111111111',
        PhoneNumberDescription: 'a',
      });
      const byTarget = await connect.send(new ListPhoneNumbersV2Command({ TargetArn: otherInstanceArn }));
      expect(byTarget.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual(['+18885550100']);
      const byType = await connect.send(
        new ListPhoneNumbersV2Command({
          InstanceId: '11111111-1111-4111-8111-111111111111',
          PhoneNumberTypes: ['DID'],
          PhoneNumberCountryCodes: ['US'],
          PhoneNumberPrefix: '1312',
        }),
      );
      expect(byType.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual(['+13125550100']);
      const p1 = await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 2 }));
      const p2 = await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 2, NextToken: p1.NextToken }));
      expect([...p1.ListPhoneNumbersSummaryList!, ...p2.ListPhoneNumbersSummaryList!].map((n) => n.PhoneNumber)).toEqual([
        '+12065550100',
        '+13125550100',
        '+18885550100',
      ]);
      expect(p2.NextToken).toBeUndefined();
      const bad = await caught(() => connect.send(new ListPhoneNumbersV2Command({ NextToken: 'garbage' })));
      expect(bad).toBeInstanceOf(InvalidParameterException);
      const missing = await caught(() =>
        connect.send(new ListPhoneNumbersV2Command({ InstanceId: '99999999-9999-4999-8999-999999999999' })),
      );
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('tags', () => {
    it('tags, untags and lists tags of a phone number ARN', async () => {
      const { PhoneNumberArn } = await claim('+12065550100', { Tags: { a: '1' } });
      await connect.send(new TagResourceCommand({ resourceArn: PhoneNumberArn, tags: { b: '2', c: '3' } }));
      await connect.send(new UntagResourceCommand({ resourceArn: PhoneNumberArn, tagKeys: ['a', 'c', 'absent'] }));
      const r = await connect.send(new ListTagsForResourceCommand({ resourceArn: PhoneNumberArn }));
      expect(r.tags).toEqual({ b: '2' });
      const untag = emu.calls().find((c) => c.operation === 'UntagResource');
      expect(untag?.input).toEqual({ resourceArn: PhoneNumberArn, tagKeys: ['a', 'c', 'absent'] });
    });

    it('refuses more than 50 tags in total, aws: keys, and unknown resources', async () => {
      const { PhoneNumberArn } = await claim('+12065550100');
      const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
      await connect.send(new TagResourceCommand({ resourceArn: PhoneNumberArn, tags: many }));
      const more = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`m${i}`, 'v']));
      const tooMany = await caught(() => connect.send(new TagResourceCommand({ resourceArn: PhoneNumberArn, tags: more })));
      expect(tooMany).toBeInstanceOf(InvalidParameterException);
      expect(tooMany.$metadata.httpStatusCode).toBe(400);
      const reserved = await caught(() => connect.send(new TagResourceCommand({ resourceArn: PhoneNumberArn, tags: { 'aws:x': 'v' } })));
      expect(reserved).toBeInstanceOf(InvalidParameterException);
      expect(Object.keys(emu.snapshot().claimed[0].tags)).toHaveLength(30);
      const unknown = await caught(() =>
        connect.send(
          new ListTagsForResourceCommand({
            resourceArn: `arn:aws:connect:${REGION}:${ACCOUNT}:phone-number/00000000-0000-0000-0000-000000000000`,
          }),
        ),
      );
      expect(unknown).toBeInstanceOf(ResourceNotFoundException);
      expect(unknown.$metadata.httpStatusCode).toBe(404);
    });
  });
});
