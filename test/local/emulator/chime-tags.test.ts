import {
  ChimeSDKVoiceClient,
  ListTagsForResourceCommand,
  NotFoundException,
  ResourceLimitExceededException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-chime-sdk-voice';
import { startEmulator } from '../../../local/emulator';
import type { Emulator } from '../../../local/emulator';
import { ACCOUNT, REGION, caught, chimeClient, rawRequest } from './helpers';

const CONNECTOR = 'abcdef1ghij2klmno3pqr4';
const ARN = `arn:aws:chime:${REGION}:${ACCOUNT}:vc/${CONNECTOR}`;

describe('Chime SDK Voice tags of voice connectors through the real SDK', () => {
  let emu: Emulator;
  let chime: ChimeSDKVoiceClient;

  beforeEach(async () => {
    emu = await startEmulator({ rateScale: 1000 });
    chime = chimeClient(emu);
    emu.seedVoiceConnector({ voiceConnectorId: CONNECTOR });
  });
  afterEach(async () => {
    chime.destroy();
    await emu.stop();
  });

  const list = async (arn = ARN) => (await chime.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;

  it('tags, lists and untags a voice connector by its ARN', async () => {
    expect(await list()).toEqual([]);
    await chime.send(
      new TagResourceCommand({
        ResourceARN: ARN,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await chime.send(new TagResourceCommand({ ResourceARN: ARN, Tags: [{ Key: 'a', Value: '3' }] }));
    expect(await list()).toEqual([
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    await chime.send(new UntagResourceCommand({ ResourceARN: ARN, TagKeys: ['a', 'missing'] }));
    expect(await list()).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('answers on the routes of the official model: POST /tags?operation=tag-resource 204, GET /tags?arn= 200', async () => {
    const tagged = await rawRequest(emu, {
      method: 'POST',
      path: '/tags',
      query: { operation: 'tag-resource' },
      sign: { service: 'chime' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ResourceARN: ARN, Tags: [{ Key: 'k', Value: 'v' }] }),
    });
    expect(tagged.status).toBe(204);
    const listed = await rawRequest(emu, { method: 'GET', path: '/tags', query: { arn: ARN }, sign: { service: 'chime' } });
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body)).toEqual({ Tags: [{ Key: 'k', Value: 'v' }] });
  });

  it("fails with NotFoundException for an unknown connector, another service's ARN, or another region", async () => {
    for (const arn of [
      `arn:aws:chime:${REGION}:${ACCOUNT}:vc/zyxwvu9tsrq8ponml7kji6`,
      `arn:aws:connect:${REGION}:${ACCOUNT}:instance/11111111-1111-4111-8111-111111111111`,
      `arn:aws:chime:us-west-2:${ACCOUNT}:vc/${CONNECTOR}`,
    ]) {
      const err = await caught(() => chime.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k', Value: 'v' }] })));
      expect(err).toBeInstanceOf(NotFoundException);
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
  });

  it('refuses more than 50 tags on a connector with ResourceLimitExceededException, changing nothing', async () => {
    const tags = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ Key: `k${from + i}`, Value: 'v' }));
    await chime.send(new TagResourceCommand({ ResourceARN: ARN, Tags: tags(0, 50) }));
    const err = await caught(() => chime.send(new TagResourceCommand({ ResourceARN: ARN, Tags: tags(50, 1) })));
    expect(err).toBeInstanceOf(ResourceLimitExceededException);
    expect(err.message).toMatch(/at most 50 tags/);
    expect(await list()).toHaveLength(50);
  });

  it('validates the request against the model: an ARN that is not one is a BadRequestException', async () => {
    const err = await caught(() => chime.send(new TagResourceCommand({ ResourceARN: 'not an arn', Tags: [{ Key: 'k', Value: 'v' }] })));
    expect(err.name).toBe('BadRequestException');
  });
});
