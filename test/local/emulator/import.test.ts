/**
 * ImportPhoneNumber through the real SDK: the route, members and errors of the official model, the
 * asynchronous status, and what a release does to an imported number under each reading of the
 * emulator's `importedNumberRelease` switch (AWS documents neither: docs/service-facts.md).
 */
import {
  ConnectClient,
  DescribePhoneNumberCommand,
  IdempotencyException,
  ImportPhoneNumberCommand,
  InvalidParameterException,
  ListPhoneNumbersV2Command,
  ReleasePhoneNumberCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-connect';
import { createManualClock, startEmulator, type Emulator, type EmulatorOptions, type ManualClock } from '../../../local/emulator';
import { ROUTES } from '../../../local/emulator/model';
import { caught, connectClient } from './helpers';

const INSTANCE_ID = '11111111-1111-4111-8111-111111111111';
const TOKEN = '0a1b2c3d-0000-4000-8000-00000000000a';

describe('ImportPhoneNumber', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let connect: ConnectClient;
  let instanceArn: string;
  let source: string;

  async function start(options: EmulatorOptions = {}): Promise<void> {
    clock = createManualClock();
    emu = await startEmulator({ clock, rateScale: 1000, asyncDelayMs: 1000, ...options });
    connect = connectClient(emu);
    instanceArn = emu.seedInstance({ instanceId: INSTANCE_ID });
    source = emu.seedSourceNumber({ phoneNumber: '+12065550150', countryCode: 'US', type: 'TOLL_FREE' });
  }
  afterEach(async () => {
    connect.destroy();
    await emu.stop();
  });

  const importIt = (extra: Partial<ConstructorParameters<typeof ImportPhoneNumberCommand>[0]> = {}) =>
    connect.send(new ImportPhoneNumberCommand({ InstanceId: INSTANCE_ID, SourcePhoneNumberArn: source, ...extra }));
  const describe_ = (arn: string) => connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));

  it('is routed as the model says: POST /phone-number/import, InstanceId and SourcePhoneNumberArn required', async () => {
    await start();
    const route = ROUTES.find((r) => r.operation === 'ImportPhoneNumber');
    expect(route).toMatchObject({ service: 'connect', method: 'POST', segments: [{ literal: 'phone-number' }, { literal: 'import' }] });
    expect(route?.model.input.InstanceId).toMatchObject({ required: true, length: { min: 1, max: 100 } });
    expect(route?.model.input.SourcePhoneNumberArn).toMatchObject({ required: true });
    expect(route?.model.input.ClientToken).toMatchObject({ idempotencyToken: true });
    expect(route?.model.errors.map((e) => `${e.name} ${e.status}`).sort()).toEqual([
      'AccessDeniedException 403',
      'IdempotencyException 409',
      'InternalServiceException 500',
      'InvalidParameterException 400',
      'ResourceNotFoundException 404',
      'ThrottlingException 429',
    ]);
  });

  it('imports asynchronously into the instance: IN_PROGRESS, then CLAIMED with the source ARN, the source number and its type', async () => {
    await start();
    const out = await importIt({ PhoneNumberDescription: 'SMS line', Tags: { team: 'sms' }, ClientToken: TOKEN });
    expect(out.PhoneNumberArn).toMatch(/^arn:aws:connect:us-east-1:123456789012:phone-number\/[0-9a-f-]{36}$/);
    expect((await describe_(out.PhoneNumberArn!)).ClaimedPhoneNumberSummary?.PhoneNumberStatus?.Status).toBe('IN_PROGRESS');
    clock.advance(1000);
    expect((await describe_(out.PhoneNumberArn!)).ClaimedPhoneNumberSummary).toMatchObject({
      PhoneNumber: '+12065550150',
      PhoneNumberType: 'TOLL_FREE',
      TargetArn: instanceArn,
      InstanceId: INSTANCE_ID,
      PhoneNumberDescription: 'SMS line',
      Tags: { team: 'sms' },
      SourcePhoneNumberArn: source,
      PhoneNumberStatus: { Status: 'CLAIMED' },
    });
    const listed = await connect.send(new ListPhoneNumbersV2Command({ TargetArn: instanceArn }));
    expect(listed.ListPhoneNumbersSummaryList?.[0]).toMatchObject({ PhoneNumberArn: out.PhoneNumberArn, SourcePhoneNumberArn: source });
    expect(emu.snapshot()).toMatchObject({ churn: 1, sourceNumbers: [{ sourcePhoneNumberArn: source, importedAs: out.PhoneNumberArn }] });
  });

  it('replays the first answer for the same ClientToken and request; another request with it is IdempotencyException', async () => {
    await start();
    const first = await importIt({ ClientToken: TOKEN });
    expect((await importIt({ ClientToken: TOKEN })).PhoneNumberArn).toBe(first.PhoneNumberArn);
    const err = await caught(() => importIt({ ClientToken: TOKEN, PhoneNumberDescription: 'other' }));
    expect(err).toBeInstanceOf(IdempotencyException);
    expect(emu.snapshot().claimed).toHaveLength(1);
  });

  it('refuses a second import of the same source (InvalidParameterException naming the number it is imported as)', async () => {
    await start();
    const first = await importIt();
    const err = await caught(() => importIt());
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toContain(`already imported: ${first.PhoneNumberArn}`);
  });

  it('answers ResourceNotFoundException for an unknown instance or source, InvalidParameterException for a non-End User Messaging ARN', async () => {
    await start();
    expect(await caught(() => importIt({ InstanceId: '99999999-9999-4999-8999-999999999999' }))).toBeInstanceOf(ResourceNotFoundException);
    const unknown = source.replace(/phone-[0-9a-f]+$/, 'phone-00000000000000000000000000000000');
    expect(await caught(() => importIt({ SourcePhoneNumberArn: unknown }))).toBeInstanceOf(ResourceNotFoundException);
    const notSource = await caught(() => importIt({ SourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/x' }));
    expect(notSource).toBeInstanceOf(InvalidParameterException);
    expect(notSource.message).toContain('not an AWS End User Messaging phone number ARN');
    expect(emu.snapshot().claimed).toEqual([]);
  });

  it('ends FAILED under an asyncFail fault; the FAILED import is released at once and the source can be imported again', async () => {
    await start();
    emu.injectFault({ kind: 'asyncFail', operation: 'ImportPhoneNumber', phoneNumber: '+12065550150', message: 'carrier refused' });
    const out = await importIt();
    clock.advance(1000);
    expect((await describe_(out.PhoneNumberArn!)).ClaimedPhoneNumberSummary?.PhoneNumberStatus).toEqual({
      Status: 'FAILED',
      Message: 'carrier refused',
    });
    await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId: out.PhoneNumberArn }));
    expect(emu.snapshot().claimed).toEqual([]);
    const again = await importIt();
    expect(again.PhoneNumberArn).not.toBe(out.PhoneNumberArn);
  });

  describe('a release of an imported number, under each reading of importedNumberRelease', () => {
    it("'return-to-source' (default): the number leaves Connect, stays in End User Messaging, and can be imported again", async () => {
      await start({ releaseDelayMs: 5000 });
      const out = await importIt();
      clock.advance(1000);
      await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId: out.PhoneNumberArn }));
      expect((await describe_(out.PhoneNumberArn!)).ClaimedPhoneNumberSummary?.PhoneNumberStatus?.Status).toBe('IN_PROGRESS');
      clock.advance(5000);
      expect(await caught(() => describe_(out.PhoneNumberArn!))).toBeInstanceOf(ResourceNotFoundException);
      const snap = emu.snapshot();
      expect(snap).toMatchObject({ claimed: [], coolingDown: [], churn: 2, sourceNumbers: [{ sourcePhoneNumberArn: source }] });
      expect(snap.sourceNumbers[0].importedAs).toBeUndefined();
      await expect(importIt()).resolves.toMatchObject({ PhoneNumberArn: expect.any(String) });
    });

    it("'release-source': the number is released for good, gone from End User Messaging too", async () => {
      await start({ importedNumberRelease: 'release-source' });
      const out = await importIt();
      clock.advance(1000);
      await connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId: out.PhoneNumberArn }));
      expect(emu.snapshot()).toMatchObject({ claimed: [], coolingDown: [], available: [], sourceNumbers: [] });
      expect(await caught(() => importIt())).toBeInstanceOf(ResourceNotFoundException);
    });
  });
});
