/**
 * Whole deploys (real handler bundle, `npm run bundle`) under each reading of a service behaviour the
 * documentation does not settle (docs/service-facts.md, "Readings"): the same outcome under every one,
 * with claims, moves and releases taking time on the deploy's clock.
 */
import { ChimeSDKVoiceClient, DisassociatePhoneNumbersFromVoiceConnectorCommand } from '@aws-sdk/client-chime-sdk-voice';
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, VoiceConnectorNumbers } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import type { EmulatorOptions, ServiceReadings } from '../../../local/emulator';
import { newStack, REGION, startWorld, uuid, type World } from './real-stack';

const LATENCIES: EmulatorOptions = { claimDelayMs: 20_000, moveDelayMs: 10_000, releaseDelayMs: 30_000 };
const FREE = ['+12065550110', '+12065550111', '+13125550100'];
const UK = '+442079460000'; // 12 digits: more than a PhoneNumberPrefix may hold
const NOT_FOR_SALE = '+12065559999';

describe('whole deploys under each service reading', () => {
  let w: World | undefined;
  let instance: string;
  let tdg: string;

  async function start(readings: ServiceReadings): Promise<World> {
    w = await startWorld({ ...LATENCIES, readings });
    instance = w.emu.seedInstance({ instanceId: uuid(1) });
    tdg = w.emu.seedTrafficDistributionGroup({ trafficDistributionGroupId: uuid(9), alternateRegion: 'us-west-2', instanceArn: instance });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: FREE });
    w.emu.seedAvailableNumbers({ countryCode: 'GB', type: 'DID', phoneNumbers: [UK] });
    return w;
  }
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const claimed = () => w!.emu.snapshot().claimed;
  const calls = (op: string) => w!.emu.calls().filter((c) => c.operation === op && c.status < 300);
  /** A resource created after `after` whose claim is refused: the deploy fails there and rolls back. */
  const breakAfter = (stack: Stack, after: ClaimedPhoneNumber) =>
    new ClaimedPhoneNumber(stack, 'Breaker', { targetArn: instance, phoneNumber: NOT_FOR_SALE }).node.addDependency(after);

  describe.each(['listed', 'omitted'] as const)(
    'a traffic distribution group, its numbers %s by an unfiltered ListPhoneNumbersV2',
    (reading) => {
      it('rolls a replacement back to the original number, then a stack delete releases it and waits until it is gone', async () => {
        const world = await start({ unfilteredListTdgNumbers: reading });
        const d = world.deployer({ replacementRollback: 'update-then-delete' });
        const search = newStack();
        new ClaimedPhoneNumber(search, 'Support', {
          targetArn: tdg,
          countryCode: 'US',
          prefix: '+1206',
          removalPolicy: RemovalPolicy.DESTROY,
        });
        await d.deploy(search);
        const original = d.resources()[0].physicalResourceId;
        const pinned = newStack();
        const support = new ClaimedPhoneNumber(pinned, 'Support', {
          targetArn: tdg,
          phoneNumber: FREE[2],
          removalPolicy: RemovalPolicy.DESTROY,
        });
        breakAfter(pinned, support);

        await expect(d.deploy(pinned)).rejects.toThrow(DeployFailedError);

        expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(d.resources()[0].physicalResourceId).toBe(original);
        expect(claimed().map((n) => [n.phoneNumberArn, n.targetArn, n.status])).toEqual([[original, tdg, 'CLAIMED']]);
        expect(calls('ClaimPhoneNumber')).toHaveLength(2); // the search's and the pin's; the rollback claimed nothing

        const originalNumber = claimed()[0].phoneNumber;
        await d.destroy();
        expect(claimed()).toEqual([]);
        expect(w!.emu.snapshot().coolingDown).toEqual([originalNumber, FREE[2]].sort());
      });
    },
  );

  describe.each([
    { prefixWithoutPlus: 'accepted', longPrefix: 'refused' },
    { prefixWithoutPlus: 'refused', longPrefix: 'refused' },
    { prefixWithoutPlus: 'accepted', longPrefix: 'accepted' },
    { prefixWithoutPlus: 'refused', longPrefix: 'accepted' },
  ] as const)('PhoneNumberPrefix readings %j', (readings) => {
    it('claims a 12-digit number and a searched one, deploys again with no change, and releases both', async () => {
      const world = await start(readings);
      const d = world.deployer();
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'London', { targetArn: instance, phoneNumber: UK, removalPolicy: RemovalPolicy.DESTROY });
      new ClaimedPhoneNumber(stack, 'Seattle', {
        targetArn: instance,
        countryCode: 'US',
        prefix: '+1312',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      await d.deploy(stack);
      expect(claimed().map((n) => n.phoneNumber)).toEqual([FREE[2], UK].sort());
      await d.deploy(stack);
      expect(calls('ClaimPhoneNumber')).toHaveLength(2);
      // every prefix the handler sent had its '+' and at most 11 digits
      const prefixes = w!.emu.calls().flatMap((c) => (typeof c.input.PhoneNumberPrefix === 'string' ? [c.input.PhoneNumberPrefix] : []));
      expect(prefixes.length).toBeGreaterThan(0);
      for (const prefix of prefixes) expect(prefix).toMatch(/^\+[0-9]{1,11}$/);
      await d.destroy();
      expect(claimed()).toEqual([]);
    });
  });

  describe.each(['instant', 'release'] as const)('releasing a FAILED claim: %s', (reading) => {
    it('a claim that ends FAILED fails the deploy and leaves no number held', async () => {
      const world = await start({ failedClaimRelease: reading });
      world.emu.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: FREE[0], message: 'carrier refused' });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance, phoneNumber: FREE[0], removalPolicy: RemovalPolicy.DESTROY });
      const d = world.deployer();

      await expect(d.deploy(stack)).rejects.toThrow(/carrier refused/);

      expect(d.status).toBe('ROLLBACK_COMPLETE');
      world.clock.advance(LATENCIES.releaseDelayMs!);
      expect(claimed()).toEqual([]);
      expect(calls('ReleasePhoneNumber')).toHaveLength(1);
    });
  });

  describe.each(['NotFound', 'Validation'] as const)('disassociating a number not on the connector answers %s', (code) => {
    it('a number taken off by hand is dropped from the declaration, then the stack is deleted', async () => {
      const world = await start({ disassociateNotAssociated: code, voiceConnectorId: 'strict' });
      const CONNECTOR = 'abcdef1ghij2klmno3pqr4';
      const numbers = ['+12065550150', '+12065550151'];
      world.emu.seedVoiceConnector({ voiceConnectorId: CONNECTOR });
      for (const phoneNumber of numbers) world.emu.seedChimeNumber({ phoneNumber });
      const declare = (phoneNumbers: string[]) => {
        const stack = newStack();
        new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: CONNECTOR, phoneNumbers });
        return stack;
      };
      const d = world.deployer();
      await d.deploy(declare(numbers));
      const chime = new ChimeSDKVoiceClient({ region: REGION, endpoint: world.emu.endpoint });
      try {
        await chime.send(
          new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: CONNECTOR, E164PhoneNumbers: [numbers[0]] }),
        );
      } finally {
        chime.destroy();
      }
      await d.deploy(declare([numbers[1]]));
      expect(world.emu.snapshot().voiceConnectors[CONNECTOR]).toEqual([numbers[1]]);
      await d.destroy();
      expect(world.emu.snapshot().voiceConnectors[CONNECTOR]).toEqual([]);
      expect(d.status).toBe('DELETE_COMPLETE');
    });
  });
});
