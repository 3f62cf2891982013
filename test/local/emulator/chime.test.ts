import {
  AssociatePhoneNumbersWithVoiceConnectorCommand,
  BadRequestException,
  ChimeSDKVoiceClient,
  DisassociatePhoneNumbersFromVoiceConnectorCommand,
  GetPhoneNumberCommand,
  GetVoiceConnectorCommand,
  ListPhoneNumbersCommand,
  NotFoundException,
} from '@aws-sdk/client-chime-sdk-voice';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, ManualClock } from '../../../local/emulator';
import { ACCOUNT, REGION, caught, chimeClient, rawRequest } from './helpers';

const N1 = '+12065550100';
const N2 = '+12065550101';
const N3 = '+18005550100';

describe('Chime SDK Voice operations through the real SDK', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let chime: ChimeSDKVoiceClient;

  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    emu = await startEmulator({ clock, rateScale: 1000 });
    chime = chimeClient(emu);
    emu.seedVoiceConnector({ voiceConnectorId: 'vc1abcdefghij2klmnopq1', name: 'first' });
    emu.seedVoiceConnector({ voiceConnectorId: 'vc2abcdefghij2klmnopq2' });
    for (const phoneNumber of [N1, N2, N3]) emu.seedChimeNumber({ phoneNumber });
  });

  afterEach(async () => {
    chime.destroy();
    await emu.stop();
  });

  const associate = (vc: string, numbers: string[], force?: boolean) =>
    chime.send(
      new AssociatePhoneNumbersWithVoiceConnectorCommand({ VoiceConnectorId: vc, E164PhoneNumbers: numbers, ForceAssociate: force }),
    );

  it('GetVoiceConnector returns the connector; unknown -> NotFoundException 404 with Code NotFound', async () => {
    const r = await chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: 'vc1abcdefghij2klmnopq1' }));
    expect(r.VoiceConnector).toMatchObject({
      VoiceConnectorId: 'vc1abcdefghij2klmnopq1',
      Name: 'first',
      AwsRegion: REGION,
      VoiceConnectorArn: `arn:aws:chime:${REGION}:${ACCOUNT}:vc/vc1abcdefghij2klmnopq1`,
    });
    expect(r.VoiceConnector?.CreatedTimestamp).toEqual(new Date(Date.UTC(2024, 5, 1, 12, 0, 0)));
    const err = await caught(() => chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: '00000000-0000-4000-8000-00000000dead' })));
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err.name).toBe('NotFoundException');
    expect(err.Code).toBe('NotFound');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('associates numbers; reports unknown numbers as NotFound entries with HTTP 200', async () => {
    const r = await associate('vc1abcdefghij2klmnopq1', [N1, '+19995550100']);
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.PhoneNumberErrors).toEqual([{ PhoneNumberId: '+19995550100', ErrorCode: 'NotFound', ErrorMessage: expect.any(String) }]);
    expect(emu.snapshot().voiceConnectors).toEqual({ vc1abcdefghij2klmnopq1: [N1], vc2abcdefghij2klmnopq2: [] });
    // already on the same connector: success, no error
    const again = await associate('vc1abcdefghij2klmnopq1', [N1], false);
    expect(again.PhoneNumberErrors).toEqual([]);
  });

  it('without ForceAssociate a number on another connector is a PhoneNumberAssociationsExist entry; with it the number moves', async () => {
    await associate('vc1abcdefghij2klmnopq1', [N1]);
    clock.advance(1000);
    const refused = await associate('vc2abcdefghij2klmnopq2', [N1, N2], false);
    expect(refused.PhoneNumberErrors).toEqual([
      { PhoneNumberId: N1, ErrorCode: 'PhoneNumberAssociationsExist', ErrorMessage: expect.stringContaining('vc1abcdefghij2klmnopq1') },
    ]);
    expect(emu.snapshot().voiceConnectors).toEqual({ vc1abcdefghij2klmnopq1: [N1], vc2abcdefghij2klmnopq2: [N2] });
    const forced = await associate('vc2abcdefghij2klmnopq2', [N1], true);
    expect(forced.PhoneNumberErrors).toEqual([]);
    expect(emu.snapshot().voiceConnectors).toEqual({ vc1abcdefghij2klmnopq1: [], vc2abcdefghij2klmnopq2: [N1, N2] });
  });

  it('an unknown voice connector is NotFoundException and changes nothing', async () => {
    const before = emu.snapshot();
    const err = await caught(() => associate('missingv0iceconnector1', [N1]));
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err.$metadata.httpStatusCode).toBe(404);
    const err2 = await caught(() =>
      chime.send(
        new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: 'missingv0iceconnector1', E164PhoneNumbers: [N1] }),
      ),
    );
    expect(err2).toBeInstanceOf(NotFoundException);
    expect(emu.snapshot()).toEqual(before);
  });

  it('accepts any non-blank voice connector id by default (botocore: .*\\S.*) and refuses a blank one with 400 BadRequest', async () => {
    const unknown = await caught(() => associate('vc-a', [N1]));
    expect(unknown).toBeInstanceOf(NotFoundException);
    const blank = await caught(() => chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: ' ' })));
    expect(blank).toBeInstanceOf(BadRequestException);
    expect(blank.message).toContain(
      "at 'voiceConnectorId' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\\S.*",
    );
  });

  it('under the reading voiceConnectorId strict, refuses an id that is not 21-22 lowercase alphanumerics or a UUID with 400 BadRequest, naming the value', async () => {
    await emu.stop();
    emu = await startEmulator({ clock, rateScale: 1000, readings: { voiceConnectorId: 'strict' } });
    chime.destroy();
    chime = chimeClient(emu);
    emu.seedVoiceConnector({ voiceConnectorId: 'vc1abcdefghij2klmnopq1' });
    for (const phoneNumber of [N1, N2, N3]) emu.seedChimeNumber({ phoneNumber });
    const before = emu.snapshot();
    for (const id of ['vc-a', 'localvc1', 'ABCDEF1GHIJ2KLMNO3PQR4', 'abcdef1ghij2klmno3pqr45']) {
      const err = await caught(() => associate(id, [N1]));
      expect(err).toBeInstanceOf(BadRequestException);
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.Code).toBe('BadRequest');
      expect(err.message).toContain(`Value '${id}' at 'voiceConnectorId' failed to satisfy constraint`);
    }
    const get = await caught(() => chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: 'vc-a' })));
    expect(get).toBeInstanceOf(BadRequestException);
    // a UUID-shaped id passes validation (and is then simply unknown here)
    const uuid = await caught(() => chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: '0f0e0d0c-0b0a-4000-8000-000000000001' })));
    expect(uuid).toBeInstanceOf(NotFoundException);
    expect(emu.snapshot()).toEqual(before);
  });

  it('disassociates; numbers not on that connector are NotFound entries', async () => {
    await associate('vc1abcdefghij2klmnopq1', [N1, N2]);
    await associate('vc2abcdefghij2klmnopq2', [N3]);
    const r = await chime.send(
      new DisassociatePhoneNumbersFromVoiceConnectorCommand({
        VoiceConnectorId: 'vc1abcdefghij2klmnopq1',
        E164PhoneNumbers: [N1, N3, '+19995550100'],
      }),
    );
    expect(r.PhoneNumberErrors).toEqual([
      { PhoneNumberId: N3, ErrorCode: 'NotFound', ErrorMessage: expect.stringContaining('not associated') },
      { PhoneNumberId: '+19995550100', ErrorCode: 'NotFound', ErrorMessage: expect.any(String) },
    ]);
    expect(emu.snapshot().voiceConnectors).toEqual({ vc1abcdefghij2klmnopq1: [N2], vc2abcdefghij2klmnopq2: [N3] });
  });

  it('GetPhoneNumber shows the current association (the + arrives as %2B)', async () => {
    clock.advance(5000);
    await associate('vc1abcdefghij2klmnopq1', [N1]);
    const r = await chime.send(new GetPhoneNumberCommand({ PhoneNumberId: N1 }));
    expect(r.PhoneNumber).toMatchObject({
      PhoneNumberId: N1,
      E164PhoneNumber: N1,
      Country: 'US',
      Type: 'Local',
      ProductType: 'VoiceConnector',
      Status: 'Assigned',
      Associations: [
        { Name: 'VoiceConnectorId', Value: 'vc1abcdefghij2klmnopq1', AssociatedTimestamp: new Date(Date.UTC(2024, 5, 1, 12, 0, 5)) },
      ],
    });
    const tollFree = await chime.send(new GetPhoneNumberCommand({ PhoneNumberId: N3 }));
    expect(tollFree.PhoneNumber).toMatchObject({ Type: 'TollFree', Status: 'Unassigned', Associations: [] });
    const log = emu.calls().filter((c) => c.operation === 'GetPhoneNumber');
    expect(log[0].input).toEqual({ PhoneNumberId: N1 });
    const err = await caught(() => chime.send(new GetPhoneNumberCommand({ PhoneNumberId: '+19995550100' })));
    expect(err).toBeInstanceOf(NotFoundException);
  });

  it('ListPhoneNumbers filters by VoiceConnectorId and pages', async () => {
    await associate('vc1abcdefghij2klmnopq1', [N1, N3]);
    const filtered = await chime.send(
      new ListPhoneNumbersCommand({ FilterName: 'VoiceConnectorId', FilterValue: 'vc1abcdefghij2klmnopq1' }),
    );
    expect(filtered.PhoneNumbers?.map((p) => p.E164PhoneNumber)).toEqual([N1, N3]);
    const p1 = await chime.send(new ListPhoneNumbersCommand({ MaxResults: 2 }));
    expect(p1.PhoneNumbers).toHaveLength(2);
    expect(p1.NextToken).toBeDefined();
    const p2 = await chime.send(new ListPhoneNumbersCommand({ MaxResults: 2, NextToken: p1.NextToken }));
    expect(p2.PhoneNumbers?.map((p) => p.E164PhoneNumber)).toEqual([N3]);
    expect(p2.NextToken).toBeUndefined();
    const unassigned = await chime.send(new ListPhoneNumbersCommand({ Status: 'Unassigned' }));
    expect(unassigned.PhoneNumbers?.map((p) => p.E164PhoneNumber)).toEqual([N2]);
    const call = emu.calls().find((c) => c.operation === 'ListPhoneNumbers');
    expect(call?.input).toEqual({ FilterName: 'VoiceConnectorId', FilterValue: 'vc1abcdefghij2klmnopq1' });
  });

  it('validates against the model: BadRequestException 400 with Code BadRequest', async () => {
    const cases = [
      () => associate('vc1abcdefghij2klmnopq1', ['12-34']),
      () => chime.send(new ListPhoneNumbersCommand({ MaxResults: 101 })),
      () => chime.send(new ListPhoneNumbersCommand({ FilterName: 'Bogus' as never, FilterValue: 'x' })),
      () => chime.send(new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: 'vc1abcdefghij2klmnopq1' } as never)),
    ];
    for (const run of cases) {
      const err = await caught(run);
      expect(err).toBeInstanceOf(BadRequestException);
      expect(err.name).toBe('BadRequestException');
      expect(err.Code).toBe('BadRequest');
      expect(err.$metadata.httpStatusCode).toBe(400);
    }
    expect(emu.snapshot().voiceConnectors).toEqual({ vc1abcdefghij2klmnopq1: [], vc2abcdefghij2klmnopq2: [] });
  });

  describe('replay of the DisassociatePhoneNumbersFromVoiceConnector sample (seeds/003)', () => {
    // Sample request:  POST /voice-connectors/abcdef1ghij2klmno3pqr4?operation=disassociate-phone-numbers
    //                  Content-Length: 38  {"E164PhoneNumbers": ["+12065550100"]}
    // Sample response: HTTP/1.1 200 OK, x-amzn-RequestId, Content-Type: application/json,
    //                  Content-Length: 24  {"PhoneNumberErrors":[]}
    const SAMPLE_VC = 'abcdef1ghij2klmno3pqr4';
    const SAMPLE_BODY = '{"E164PhoneNumbers": ["+12065550100"]}';

    beforeEach(async () => {
      emu.seedVoiceConnector({ voiceConnectorId: SAMPLE_VC });
      await associate(SAMPLE_VC, ['+12065550100']);
    });

    it('as a raw signed request: byte-identical response body, same status and headers', async () => {
      expect(Buffer.byteLength(SAMPLE_BODY)).toBe(38);
      const res = await rawRequest(emu, {
        method: 'POST',
        path: `/voice-connectors/${SAMPLE_VC}`,
        query: { operation: 'disassociate-phone-numbers' },
        body: SAMPLE_BODY,
        headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
        sign: { service: 'chime' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toBe('{"PhoneNumberErrors":[]}');
      expect(res.headers['content-length']).toBe('24');
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(emu.snapshot().voiceConnectors[SAMPLE_VC]).toEqual([]);
    });

    it('through the SDK: PhoneNumberErrors is an empty list and the number is free', async () => {
      const r = await chime.send(
        new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: SAMPLE_VC, E164PhoneNumbers: ['+12065550100'] }),
      );
      expect(r.$metadata.httpStatusCode).toBe(200);
      expect(r.PhoneNumberErrors).toEqual([]);
      const last = emu.calls().at(-1);
      expect(last).toMatchObject({
        service: 'chime',
        operation: 'DisassociatePhoneNumbersFromVoiceConnector',
        status: 200,
        input: { VoiceConnectorId: SAMPLE_VC, E164PhoneNumbers: ['+12065550100'] },
        output: { PhoneNumberErrors: [] },
      });
      const n = await chime.send(new GetPhoneNumberCommand({ PhoneNumberId: '+12065550100' }));
      expect(n.PhoneNumber?.Associations).toEqual([]);
    });
  });
});
