/**
 * ClaimedPhoneNumber through whole deploys (issue 7): rollbacks, retries and timeouts with the real
 * handler bundle, the local deployer's CloudFormation lifecycle and the emulator. Each test says which
 * number is at stake and checks that none is lost: released, left to nobody, or claimed twice.
 */
import { ClaimPhoneNumberCommand, ConnectClient } from '@aws-sdk/client-connect';
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberType } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import { ALT_REGION, OWNER_TAG, newStack, startWorld, uuid, type World } from './real-stack';

const ADOPTED = '+12065550100';
const FREE = ['+12065550110', '+12065550111', '+12065550112'];
const NOT_FOR_SALE = '+12065559999';

describe('ClaimedPhoneNumber in whole deploys', () => {
  let w: World;
  let instance1: string;
  let instance2: string;
  let westInstance: string;

  async function start(env: Record<string, string> = {}, options = {}): Promise<void> {
    w = await startWorld(options, env);
    instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
    instance2 = w.emu.seedInstance({ instanceId: uuid(2) });
    westInstance = w.emu.seedInstance({ instanceId: uuid(3), region: ALT_REGION });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: FREE });
  }
  afterEach(async () => w?.stop());

  const claimed = (region?: string) => w.emu.snapshot(region ? { region } : undefined).claimed;
  const byNumber = (n: string) => claimed().find((c) => c.phoneNumber === n);
  const calls = (op: string) => w.emu.calls().filter((c) => c.operation === op && c.status < 300);

  /** A resource created after `after` whose claim is refused: the deploy fails there and rolls back. */
  function breakAfter(stack: Stack, after: ClaimedPhoneNumber): void {
    const breaker = new ClaimedPhoneNumber(stack, 'Breaker', { targetArn: instance1, phoneNumber: NOT_FOR_SALE });
    breaker.node.addDependency(after);
  }

  describe('item 1: a rollback never releases a number that existed before the deploy', () => {
    it('puts an adopted DESTROY number back (target, description, tags, owner) when a later resource fails', async () => {
      await start();
      w.emu.seedClaimedNumber({
        phoneNumber: ADOPTED,
        targetArn: instance2,
        description: 'Legacy main line',
        tags: { [OWNER_TAG]: 'Legacy/Main@c0', team: 'a' },
      });
      const stack = newStack();
      const main = new ClaimedPhoneNumber(stack, 'Main', {
        targetArn: instance1,
        phoneNumber: ADOPTED,
        description: 'Main line',
        tags: { team: 'b' },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      breakAfter(stack, main);
      const d = w.deployer();

      await expect(d.deploy(stack)).rejects.toThrow(DeployFailedError);

      // The adoption had completed (moved, described, tagged) before the rollback undid it.
      expect(calls('UpdatePhoneNumber').length).toBeGreaterThanOrEqual(2);
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      const n = byNumber(ADOPTED)!;
      expect(n).toMatchObject({ targetArn: instance2, status: 'CLAIMED', description: 'Legacy main line' });
      expect(n.tags).toEqual({ [OWNER_TAG]: 'Legacy/Main@c0', team: 'a' });
      expect(d.status).toBe('ROLLBACK_COMPLETE');
    });

    it('puts an adopted number back when its own move ends FAILED', async () => {
      await start();
      w.emu.seedClaimedNumber({ phoneNumber: ADOPTED, targetArn: instance2, tags: { [OWNER_TAG]: 'Legacy/Main@c0' } });
      w.emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: ADOPTED, message: 'carrier refused' });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance1, phoneNumber: ADOPTED, removalPolicy: RemovalPolicy.DESTROY });

      await expect(w.deployer().deploy(stack)).rejects.toThrow(/carrier refused/);

      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      expect(byNumber(ADOPTED)).toMatchObject({ targetArn: instance2, tags: { [OWNER_TAG]: 'Legacy/Main@c0' } });
    });
  });

  describe('item 2: the rollback of a failed search change keeps the original number', () => {
    it('neither claims nor releases when a new prefix has no free number', async () => {
      await start();
      const d = w.deployer();
      const declare = (prefix: string) => {
        const stack = newStack();
        new ClaimedPhoneNumber(stack, 'Support', {
          targetArn: instance1,
          countryCode: 'US',
          phoneNumberType: PhoneNumberType.DID,
          prefix,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        return stack;
      };
      await d.deploy(declare('+1206'));
      const original = d.resources()[0];
      w.emu.clearCalls();

      await expect(d.deploy(declare('+1999'))).rejects.toThrow(/no phone number is available/);

      expect(calls('ClaimPhoneNumber')).toHaveLength(0);
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      expect(claimed().map((c) => c.phoneNumberArn)).toEqual([original.physicalResourceId]);
      expect(d.resources()[0].physicalResourceId).toBe(original.physicalResourceId);
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    });

    it('keeps the number when a pin to an unavailable number is rolled back', async () => {
      await start();
      const d = w.deployer();
      const searchStack = () => {
        const stack = newStack();
        new ClaimedPhoneNumber(stack, 'Support', { targetArn: instance1, countryCode: 'US', removalPolicy: RemovalPolicy.DESTROY });
        return stack;
      };
      await d.deploy(searchStack());
      const before = claimed().map((c) => c.phoneNumber);
      const pinned = newStack();
      new ClaimedPhoneNumber(pinned, 'Support', { targetArn: instance1, phoneNumber: NOT_FOR_SALE, removalPolicy: RemovalPolicy.DESTROY });
      w.emu.clearCalls();

      await expect(d.deploy(pinned)).rejects.toThrow(DeployFailedError);

      expect(claimed().map((c) => c.phoneNumber)).toEqual(before);
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
    });
  });

  describe('item 5: a claim still IN_PROGRESS at the deadline', () => {
    it('is released by the handler before the waiter gives up, and the rollback leaves nothing claimed', async () => {
      // The claim takes 35 minutes; the handler's completion deadline is 30, the waiter's 45.
      await start({}, { asyncDelayMs: 35 * 60_000 });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Support', { targetArn: instance1, countryCode: 'US', removalPolicy: RemovalPolicy.RETAIN });
      const d = w.deployer({ totalTimeoutMs: 45 * 60_000, pollIntervalMs: 60_000 });

      await expect(d.deploy(stack)).rejects.toThrow(/did not reach its declared state within 30 min/);

      // The create fails once its release has started (a release takes 20 s here): held by nobody, then gone.
      expect(claimed().map((n) => n.releasing)).toEqual([true]);
      w.clock.advance(20_000);
      expect(claimed()).toHaveLength(0);
      expect(calls('ClaimPhoneNumber')).toHaveLength(1);
      expect(calls('ReleasePhoneNumber')).toHaveLength(1);
      // The handler failed the create itself (RETAIN: the rollback sends no Delete), not the waiter's timeout
      expect(d.requests.filter((r) => r.logicalId.startsWith('Support'))).toEqual([
        expect.objectContaining({ requestType: 'Create', status: 'FAILED', answeredBy: 'handler' }),
      ]);
      expect(d.status).toBe('ROLLBACK_COMPLETE');
    });

    it('is released by the rollback Delete (which waits for the claim) when the waiter ends first', async () => {
      // The waiter gives up after 10 minutes, before the handler's deadline: the framework answers
      // FAILED without calling the handler; the claim completes at 15, during the rollback's Delete.
      await start({}, { asyncDelayMs: 15 * 60_000 });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Support', { targetArn: instance1, countryCode: 'US' });
      const d = w.deployer({ totalTimeoutMs: 10 * 60_000, pollIntervalMs: 60_000 });

      await expect(d.deploy(stack)).rejects.toThrow(/Operation timed out/);

      expect(claimed()).toHaveLength(0);
      expect(calls('ReleasePhoneNumber')).toHaveLength(1);
      expect(d.status).toBe('ROLLBACK_COMPLETE');
    });
  });

  describe('item 7: a failed first deploy', () => {
    it('releases what it claimed under the default policy (RetainExceptOnCreate)', async () => {
      await start();
      const stack = newStack();
      const support = new ClaimedPhoneNumber(stack, 'Support', { targetArn: instance1, countryCode: 'US' });
      breakAfter(stack, support);

      await expect(w.deployer().deploy(stack)).rejects.toThrow(DeployFailedError);

      expect(calls('ClaimPhoneNumber')).toHaveLength(1); // the Breaker's claim is refused
      expect(claimed()).toHaveLength(0);
    });

    it('keeps the number under RETAIN, and the next deploy takes it back instead of claiming another', async () => {
      await start();
      const declare = (withBreaker: boolean) => {
        const stack = newStack();
        const support = new ClaimedPhoneNumber(stack, 'Support', {
          targetArn: instance1,
          countryCode: 'US',
          removalPolicy: RemovalPolicy.RETAIN,
        });
        if (withBreaker) breakAfter(stack, support);
        return stack;
      };
      await expect(w.deployer().deploy(declare(true))).rejects.toThrow(DeployFailedError);
      const kept = claimed();
      expect(kept).toHaveLength(1);

      // The user deletes the ROLLBACK_COMPLETE stack and deploys again (a new stack of the same name).
      const retry = w.deployer({ stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/${uuid(9)}` });
      await retry.deploy(declare(false));

      expect(claimed().map((c) => c.phoneNumberArn)).toEqual([kept[0].phoneNumberArn]);
      expect(retry.resources()[0].physicalResourceId).toBe(kept[0].phoneNumberArn);
      expect(calls('ClaimPhoneNumber')).toHaveLength(1); // the first deploy's, none since
    });
  });

  describe('item 8: a failed adoption leaves the earlier owner in charge', () => {
    it('does not tag the number when its move is refused', async () => {
      await start();
      w.emu.seedClaimedNumber({ phoneNumber: ADOPTED, targetArn: instance2, tags: { [OWNER_TAG]: 'Legacy/Main@c0' } });
      w.emu.injectFault({
        kind: 'error',
        operation: 'UpdatePhoneNumber',
        errorName: 'AccessDeniedException',
        status: 403,
        message: 'not allowed',
      });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance1, phoneNumber: ADOPTED });

      await expect(w.deployer().deploy(stack)).rejects.toThrow(/not allowed/);

      expect(byNumber(ADOPTED)).toMatchObject({ targetArn: instance2, tags: { [OWNER_TAG]: 'Legacy/Main@c0' } });
    });
  });

  describe('item 9: a number whose claim FAILED is not adopted', () => {
    it('claims it again instead of reporting success', async () => {
      await start();
      // Someone's claim of the number ended FAILED: it is listed, but not claimed.
      w.emu.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: FREE[1], message: 'carrier timeout' });
      const connect = new ConnectClient({
        region: 'us-east-1',
        endpoint: w.emu.endpoint,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
      });
      await connect.send(new ClaimPhoneNumberCommand({ TargetArn: instance1, PhoneNumber: FREE[1] }));
      connect.destroy();
      w.clock.advance(60_000);
      expect(byNumber(FREE[1])?.status).toBe('FAILED');
      w.emu.clearCalls();
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance1, phoneNumber: FREE[1] });
      const d = w.deployer();

      await d.deploy(stack);

      expect(calls('ClaimPhoneNumber')).toHaveLength(1);
      expect(byNumber(FREE[1])).toMatchObject({
        status: 'CLAIMED',
        tags: { [OWNER_TAG]: expect.stringMatching(/^Phones\/Main[0-9A-F]+@c/) },
      });
    });
  });

  describe('item 10: the lookup of the numbers a resource owns reads them all', () => {
    it('rolls a replacement back to the original number found after 60 others (rollback as Update then Delete)', async () => {
      await start();
      for (let i = 0; i < 60; i++) {
        w.emu.seedClaimedNumber({
          phoneNumber: `+1206555${String(2000 + i)}`,
          targetArn: instance1,
          tags: { [OWNER_TAG]: `Other/N${i}@c0` },
        });
      }
      w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+13125550100'] });
      const d = w.deployer({ replacementRollback: 'update-then-delete' });
      const search = newStack();
      new ClaimedPhoneNumber(search, 'Support', {
        targetArn: instance1,
        countryCode: 'US',
        prefix: '+1206',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      await d.deploy(search);
      const original = d.resources()[0].physicalResourceId;
      const pinned = newStack();
      const support = new ClaimedPhoneNumber(pinned, 'Support', {
        targetArn: instance1,
        phoneNumber: '+13125550100',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      breakAfter(pinned, support);
      w.emu.clearCalls();

      await expect(d.deploy(pinned)).rejects.toThrow(DeployFailedError);

      expect(d.resources()[0].physicalResourceId).toBe(original);
      expect(byNumber('+13125550100')).toBeUndefined(); // the replacement's number was released
      expect(claimed().find((c) => c.phoneNumberArn === original)?.status).toBe('CLAIMED');
      expect(calls('ClaimPhoneNumber')).toHaveLength(1); // the pin's; the rollback claimed nothing
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    });
  });

  describe('item 11: a claim whose answer never comes', () => {
    it('stops at the request timeout and answers the number the claim took, leaking nothing', async () => {
      await start({ PHONE_NUMBERS_REQUEST_TIMEOUT_MS: '200' });
      w.emu.injectFault({ kind: 'hang', operation: 'ClaimPhoneNumber', apply: true });
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance1, phoneNumber: FREE[0] });
      const d = w.deployer();

      await d.deploy(stack);

      expect(claimed()).toHaveLength(1);
      expect(d.resources()[0].physicalResourceId).toBe(byNumber(FREE[0])!.phoneNumberArn);
    });
  });

  // A create whose Lambda times out right after its claim: test/contract/harness.test.ts.

  describe('item 12: a target in another region', () => {
    it('fails before any call, naming both, and leaves the number where it is', async () => {
      await start();
      const declare = (targetArn: string) => {
        const stack = newStack();
        new ClaimedPhoneNumber(stack, 'Main', { targetArn, phoneNumber: FREE[0] });
        return stack;
      };
      const d = w.deployer();
      await d.deploy(declare(instance1));
      w.emu.clearCalls();

      await expect(d.deploy(declare(westInstance))).rejects.toThrow(/another region than the number it holds.*cannot change region/);

      expect(w.emu.calls().filter((c) => /^(Claim|Update|Release)/.test(c.operation))).toHaveLength(0);
      expect(byNumber(FREE[0])?.targetArn).toBe(instance1);
    });
  });
});
