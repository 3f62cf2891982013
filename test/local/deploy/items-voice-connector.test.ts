/**
 * Issue 7, items 3 and 4, as whole deploys: a VoiceConnectorNumbers renamed or a number moved between
 * two of them, and a number taken with forceAssociate by an update (or a create) that rolls back,
 * through the local deployer with the real handler bundle (`npm run bundle`) against the emulator,
 * which also serves the stack's status and template over CloudFormation's API.
 */
import {
  AssociatePhoneNumbersWithVoiceConnectorCommand,
  ChimeSDKVoiceClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-chime-sdk-voice';
import { VoiceConnectorNumbers } from '../../../lib';
import { DeployFailedError, loadTemplate, type LocalDeployer, type LocalDeployerOptions } from '../../../local/deploy';
import type { Emulator } from '../../../local/emulator';
import { ACCOUNT, REGION, newStack, startWorld, type World } from './real-stack';

const OURS = 'abcdef1ghij2klmno3pqr4';
const THEIRS = 'qrstuv5wxyz6abcde7fgh8';
const NUMBERS = ['+12065550150', '+12065550151', '+12065550152', '+12065550153'];
/** Not in the Chime SDK Voice inventory: associating it fails, which fails the deploy after what it depends on. */
const NOT_IN_INVENTORY = '+12065559999';

describe('VoiceConnectorNumbers through whole deploys (issue 7, items 3 and 4)', () => {
  let emu: Emulator;
  let chime: ChimeSDKVoiceClient;
  let w: World;

  beforeEach(async () => {
    w = await startWorld({ asyncDelayMs: 0 });
    ({ emu } = w);
    for (const id of [OURS, THEIRS]) emu.seedVoiceConnector({ voiceConnectorId: id });
    for (const phoneNumber of NUMBERS) emu.seedChimeNumber({ phoneNumber });
    chime = new ChimeSDKVoiceClient({ region: REGION, endpoint: emu.endpoint });
  });
  afterEach(async () => {
    chime.destroy();
    await w.stop();
  });

  /** Construct id -> its declaration. */
  type Trunks = Record<string, { readonly connector: string; readonly numbers: string[]; readonly force?: boolean }>;

  function template(trunks: Trunks, options: { failAfter?: boolean } = {}) {
    const stack = newStack();
    const all = Object.entries(trunks).map(
      ([id, t]) =>
        new VoiceConnectorNumbers(stack, id, { voiceConnectorId: t.connector, phoneNumbers: t.numbers, forceAssociate: t.force }),
    );
    if (options.failAfter) {
      const breaker = new VoiceConnectorNumbers(stack, 'Breaker', { voiceConnectorId: THEIRS, phoneNumbers: [NOT_IN_INVENTORY] });
      for (const t of all) breaker.node.addDependency(t);
    }
    return loadTemplate(stack);
  }

  const deployer = (options: Partial<LocalDeployerOptions> = {}) => w.deployer({ pollIntervalMs: 0, ...options });
  const on = (connector: string) => [...(emu.snapshot().voiceConnectors[connector] ?? [])].sort();
  const sent = (d: LocalDeployer) =>
    d.requests
      .filter((r) => r.answeredBy === 'handler')
      .map((r) => `${r.phase} ${r.requestType} ${r.logicalId.replace(/[0-9A-F]{8}$/, '')}`);
  /** A number put on THEIRS outside this stack. */
  const putOnTheirs = (n: string) =>
    chime.send(new AssociatePhoneNumbersWithVoiceConnectorCommand({ VoiceConnectorId: THEIRS, E164PhoneNumbers: [n] }));
  const tagsOf = async (connector: string) =>
    (await chime.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:chime:${REGION}:${ACCOUNT}:vc/${connector}` }))).Tags ?? [];

  describe('item 3: renames and numbers moved between resources', () => {
    it('keeps the numbers on the connector when the resource is renamed', async () => {
      const d = deployer();
      await d.deploy(template({ Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2) } }));
      await d.deploy(template({ Renamed: { connector: OURS, numbers: NUMBERS.slice(0, 2) } }));
      expect(sent(d)).toEqual(expect.arrayContaining(['update Create Renamed', 'cleanup Delete Trunk']));
      expect(d.status).toBe('UPDATE_COMPLETE');
      expect(on(OURS)).toEqual(NUMBERS.slice(0, 2));
      // AND the renamed resource owns them: deleting the stack takes them off
      await d.destroy();
      expect(on(OURS)).toEqual([]);
    });

    it("keeps the numbers on the connector when a rename rolls back (the new resource's Delete in the rollback cleanup)", async () => {
      const d = deployer();
      await d.deploy(template({ Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2) } }));
      await expect(d.deploy(template({ Renamed: { connector: OURS, numbers: NUMBERS.slice(0, 2) } }, { failAfter: true }))).rejects.toThrow(
        DeployFailedError,
      );
      expect(sent(d)).toEqual(expect.arrayContaining(['rollback Delete Renamed']));
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(on(OURS)).toEqual(NUMBERS.slice(0, 2));
    });

    it.each([1, 2])('keeps a number moved from one resource to another on the same connector (concurrency %i)', async (concurrency) => {
      const d = deployer({ concurrency });
      await d.deploy(
        template({ TrunkA: { connector: OURS, numbers: NUMBERS.slice(0, 2) }, TrunkB: { connector: OURS, numbers: [NUMBERS[2]] } }),
      );
      emu.clearCalls();
      await d.deploy(
        template({ TrunkA: { connector: OURS, numbers: [NUMBERS[0]] }, TrunkB: { connector: OURS, numbers: NUMBERS.slice(1, 3) } }),
      );
      expect(d.status).toBe('UPDATE_COMPLETE');
      expect(on(OURS)).toEqual(NUMBERS.slice(0, 3));
      expect(emu.calls().filter((c) => c.operation === 'DisassociatePhoneNumbersFromVoiceConnector')).toEqual([]);
    });

    it('keeps a number moved between resources in the other direction too (template order reversed)', async () => {
      const d = deployer();
      await d.deploy(
        template({ TrunkB: { connector: OURS, numbers: [NUMBERS[2]] }, TrunkA: { connector: OURS, numbers: NUMBERS.slice(0, 2) } }),
      );
      await d.deploy(
        template({ TrunkB: { connector: OURS, numbers: NUMBERS.slice(1, 3) }, TrunkA: { connector: OURS, numbers: [NUMBERS[0]] } }),
      );
      expect(on(OURS)).toEqual(NUMBERS.slice(0, 3));
    });
  });

  // Found by the contract matrix (branch 'contract', gap move-between-in-parallel): resources in flight at once, as CloudFormation
  // runs independent ones, so B's association meets the number still on A.
  describe('a number moved between two connectors of one stack, resources in parallel (concurrency 4)', () => {
    const before: Trunks = {
      Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2) },
      Other: { connector: THEIRS, numbers: [NUMBERS[2]] },
    };
    const after: Trunks = {
      Trunk: { connector: OURS, numbers: [NUMBERS[0]] },
      Other: { connector: THEIRS, numbers: [NUMBERS[2], NUMBERS[1]] },
    };

    it('waits for the number to leave A, then puts it on B', async () => {
      const d = deployer({ concurrency: 4 });
      await d.deploy(template(before));
      await d.deploy(template(after));
      expect(d.status).toBe('UPDATE_COMPLETE');
      expect(on(OURS)).toEqual([NUMBERS[0]]);
      expect(on(THEIRS)).toEqual([NUMBERS[1], NUMBERS[2]].sort());
      // AND it did meet the number still on A (the case this covers), and waited rather than failed
      const refused = emu
        .calls()
        .filter((c) => c.operation === 'AssociatePhoneNumbersWithVoiceConnector' && c.input.VoiceConnectorId === THEIRS)
        .filter((c) => JSON.stringify(c.output ?? {}).includes('PhoneNumberAssociationsExist'));
      expect(refused.length).toBeGreaterThan(0);
    });

    // With templateDuringRollback 'current' the rollback still ends UPDATE_ROLLBACK_FAILED: Other's rollback cannot
    // tell whether the template is the failed one, so keeps the number on B (keptByOthers), and Trunk cannot take it back.
    it.each(['previous'] as const)(
      'a later failure rolls the move back: UPDATE_ROLLBACK_COMPLETE with the number back on A (templateDuringRollback %s)',
      async (templateDuringRollback) => {
        const d = deployer({ concurrency: 4, templateDuringRollback });
        await d.deploy(template(before));
        await expect(d.deploy(template(after, { failAfter: true }))).rejects.toThrow(DeployFailedError);
        expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(on(OURS)).toEqual(NUMBERS.slice(0, 2));
        expect(on(THEIRS)).toEqual([NUMBERS[2]]);
      },
    );
  });

  describe('item 4: a number taken with forceAssociate goes back where it came from on rollback', () => {
    it('an update that took it rolls back: the number is on the connector it was taken from again, and nothing is left recorded', async () => {
      // GIVEN a trunk on our connector, and a number on theirs (outside this stack)
      await putOnTheirs(NUMBERS[1]);
      const d = deployer();
      await d.deploy(template({ Trunk: { connector: OURS, numbers: [NUMBERS[0]], force: true } }));
      // WHEN an update takes the number with forceAssociate, then fails
      await expect(
        d.deploy(template({ Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2), force: true } }, { failAfter: true })),
      ).rejects.toThrow(DeployFailedError);
      // THEN the rollback Update put it back on theirs (not on no connector)
      expect(sent(d)).toEqual(expect.arrayContaining(['update Update Trunk', 'rollback Update Trunk']));
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(on(THEIRS)).toEqual([NUMBERS[1]]);
      expect(on(OURS)).toEqual([NUMBERS[0]]);
      expect(await tagsOf(OURS)).toEqual([]);
    });

    it('a resource created by the failed update that took it is deleted in the rollback cleanup: the number goes back', async () => {
      await putOnTheirs(NUMBERS[1]);
      const d = deployer();
      await d.deploy(template({ Trunk: { connector: OURS, numbers: [NUMBERS[0]] } }));
      await expect(
        d.deploy(
          template(
            {
              Trunk: { connector: OURS, numbers: [NUMBERS[0]] },
              Extra: { connector: OURS, numbers: [NUMBERS[1]], force: true },
            },
            { failAfter: true },
          ),
        ),
      ).rejects.toThrow(DeployFailedError);
      expect(sent(d)).toEqual(expect.arrayContaining(['update Create Extra', 'rollback Delete Extra']));
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(on(THEIRS)).toEqual([NUMBERS[1]]);
      expect(on(OURS)).toEqual([NUMBERS[0]]);
      expect(await tagsOf(OURS)).toEqual([]);
    });

    it('a failed first deploy that took it rolls back: the number goes back', async () => {
      await putOnTheirs(NUMBERS[1]);
      const d = deployer();
      await expect(
        d.deploy(template({ Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2), force: true } }, { failAfter: true })),
      ).rejects.toThrow(DeployFailedError);
      expect(d.status).toBe('ROLLBACK_COMPLETE');
      expect(on(THEIRS)).toEqual([NUMBERS[1]]);
      expect(on(OURS)).toEqual([]);
    });

    it('after a successful take, a later removal takes the number off (the record does not send it back)', async () => {
      await putOnTheirs(NUMBERS[1]);
      const d = deployer();
      await d.deploy(template({ Trunk: { connector: OURS, numbers: NUMBERS.slice(0, 2), force: true } }));
      expect(on(OURS)).toEqual(NUMBERS.slice(0, 2));
      await d.deploy(template({ Trunk: { connector: OURS, numbers: [NUMBERS[0]], force: true } }));
      expect(on(THEIRS)).toEqual([]);
      expect(on(OURS)).toEqual([NUMBERS[0]]);
      expect(await tagsOf(OURS)).toEqual([]);
    });
  });
});
