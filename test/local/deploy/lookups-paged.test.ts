/**
 * Issue 21, guarantee 2: lookups read every matching number. The emulator answers ListPhoneNumbersV2 two
 * numbers a page (maxPageSize), and numbers claimed by hand that match the same lookup sort before the
 * one the deploy must find, so that it sits on the third page. Whole deploys with the real handler bundle
 * (`npm run bundle`), one per lookup the README promises reads them all: a search create's later poll
 * (the number its first poll claimed), the rollback Delete of a create answered FAILED under its pending
 * id, a replacement's rollback, the RETAIN take-back, a claim the stack never learned of (abandoned), and
 * the wait for a release. Each fails when the lookups read only the first page (docs/mutation.md).
 */
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberType } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import type { EmulatorOptions } from '../../../local/emulator';
import { OWNER_TAG, newStack, startWorld, uuid, type World } from './real-stack';

/** Claimed by hand in instance 1; they match every +1206 lookup below and sort before SEARCHED. */
const HAND_1206 = ['+12065550100', '+12065550101', '+12065550102', '+12065550103'];
/** The only +1206 number for sale: the one a search claims, third page of the +1206 listing. */
const SEARCHED = '+12065550199';
const HAND_1312 = ['+13125550100', '+13125550101', '+13125550102', '+13125550103'];
const SEARCHED_1312 = '+13125550199';
/** Not for sale: a resource declaring it fails, and the deploy rolls back. */
const NOT_FOR_SALE = '+12065559999';

describe('lookups read every page of ListPhoneNumbersV2 (issue 21, guarantee 2)', () => {
  let w: World;
  let instance1: string;

  async function start(options: EmulatorOptions = {}, env: Record<string, string> = {}): Promise<void> {
    w = await startWorld({ maxPageSize: 2, ...options }, env);
    instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [SEARCHED, SEARCHED_1312] });
    for (const phoneNumber of [...HAND_1206, ...HAND_1312])
      w.emu.seedClaimedNumber({ phoneNumber, targetArn: instance1, tags: { [OWNER_TAG]: `Other/${phoneNumber}@c0` } });
  }
  afterEach(async () => w?.stop());

  const claimed = () => w.emu.snapshot().claimed;
  const byNumber = (n: string) => claimed().find((c) => c.phoneNumber === n);
  const calls = (op: string) => w.emu.calls().filter((c) => c.operation === op && c.status < 300);
  /** The numbers claimed by hand are all still there, untouched. */
  const handNumbersKept = () =>
    expect(
      [...HAND_1206, ...HAND_1312].map((n) => ({ n, owner: byNumber(n)?.tags[OWNER_TAG] })).filter((x) => x.owner !== `Other/${x.n}@c0`),
    ).toEqual([]);

  function search(stack: Stack, prefix = '+1206', removalPolicy = RemovalPolicy.DESTROY): ClaimedPhoneNumber {
    return new ClaimedPhoneNumber(stack, 'Support', {
      targetArn: instance1,
      countryCode: 'US',
      phoneNumberType: PhoneNumberType.DID,
      prefix,
      removalPolicy,
    });
  }
  function breakAfter(stack: Stack, after: ClaimedPhoneNumber): void {
    new ClaimedPhoneNumber(stack, 'Breaker', { targetArn: instance1, phoneNumber: NOT_FOR_SALE }).node.addDependency(after);
  }

  it("a search create's later poll finds the number its first poll claimed, on the third page", async () => {
    // Claims take 20 s, the settle wait is off: the first poll claims, the next ones look for that claim.
    await start();
    const stack = newStack();
    search(stack);
    const d = w.deployer();

    await d.deploy(stack);

    expect(d.status).toBe('CREATE_COMPLETE');
    expect(d.resources()[0].physicalResourceId).toBe(byNumber(SEARCHED)?.phoneNumberArn);
    expect(byNumber(SEARCHED)).toMatchObject({ status: 'CLAIMED', tags: { [OWNER_TAG]: expect.stringMatching(/^Phones\/Support/) } });
    expect(calls('ClaimPhoneNumber')).toHaveLength(1);
    handNumbersKept();
  });

  it('the rollback Delete of a create answered FAILED under its pending id releases the number it claimed', async () => {
    // The waiter gives up after 10 minutes; the claim completes at 15, during the rollback's Delete.
    await start({ asyncDelayMs: 15 * 60_000 });
    const stack = newStack();
    search(stack);
    const d = w.deployer({ totalTimeoutMs: 10 * 60_000, pollIntervalMs: 60_000 });

    await expect(d.deploy(stack)).rejects.toThrow(/Operation timed out/);

    expect(d.requests.find((r) => r.requestType === 'Delete')?.physicalResourceId).toMatch(/^cdk-phone-numbers:pending:/);
    expect(byNumber(SEARCHED)).toBeUndefined();
    expect(calls('ReleasePhoneNumber')).toHaveLength(1);
    expect(d.status).toBe('ROLLBACK_COMPLETE');
    handNumbersKept();
  });

  it("a replacement's rollback comes back to the original number, on the third page", async () => {
    await start();
    const d = w.deployer({ replacementRollback: 'update-then-delete' });
    const first = newStack();
    search(first);
    await d.deploy(first);
    const original = d.resources()[0].physicalResourceId;
    const pinned = newStack();
    const support = new ClaimedPhoneNumber(pinned, 'Support', {
      targetArn: instance1,
      phoneNumber: SEARCHED_1312,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    breakAfter(pinned, support);
    w.emu.clearCalls();

    await expect(d.deploy(pinned)).rejects.toThrow(DeployFailedError);

    expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(d.resources().find((r) => r.logicalId.startsWith('Support'))?.physicalResourceId).toBe(original);
    expect(byNumber(SEARCHED)).toMatchObject({ phoneNumberArn: original, status: 'CLAIMED' });
    expect(byNumber(SEARCHED_1312)).toBeUndefined(); // the replacement's number, released
    expect(calls('ClaimPhoneNumber').map((c) => c.input.PhoneNumber)).toEqual([SEARCHED_1312]); // the rollback claimed nothing
    handNumbersKept();
  });

  it('the next create takes back the number a failed RETAIN deploy kept, on the third page', async () => {
    await start();
    const failing = newStack();
    breakAfter(failing, search(failing, '+1206', RemovalPolicy.RETAIN));
    await expect(w.deployer().deploy(failing)).rejects.toThrow(DeployFailedError);
    const kept = byNumber(SEARCHED)!;
    expect(kept.status).toBe('CLAIMED');
    // Another number for sale: a create that did not find the kept one would claim it.
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+12065550198'] });
    w.emu.clearCalls();

    // The user deletes the ROLLBACK_COMPLETE stack and deploys again (a new stack of the same name).
    const retry = w.deployer({ stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/${uuid(9)}` });
    const again = newStack();
    search(again, '+1206', RemovalPolicy.RETAIN);
    await retry.deploy(again);

    expect(retry.resources()[0].physicalResourceId).toBe(kept.phoneNumberArn);
    expect(calls('ClaimPhoneNumber')).toHaveLength(0);
    expect(byNumber('+12065550198')).toBeUndefined();
    handNumbersKept();
  });

  it('the rollback of a replacement whose claim the stack never learned of releases that number, on the third page', async () => {
    // The forward Update's claim is applied and never answered; the clock passes the Lambda timeout, and
    // the invocation's environment is ended there (local/lambda-host).
    await start();
    const d = w.deployer();
    const first = newStack();
    search(first);
    await d.deploy(first);
    const original = d.resources()[0].physicalResourceId;
    w.emu.injectFault({ kind: 'hang', operation: 'ClaimPhoneNumber', apply: true, advanceClockMs: 11 * 60_000 });
    const moved = newStack();
    search(moved, '+1312');

    await expect(d.deploy(moved)).rejects.toThrow(/Task timed out/);

    expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(d.resources()[0].physicalResourceId).toBe(original);
    expect(byNumber(SEARCHED)).toMatchObject({ phoneNumberArn: original, status: 'CLAIMED' });
    // The first deploy's claim, and the dead Update's (applied, never answered)
    expect(calls('ClaimPhoneNumber').map((c) => c.input.PhoneNumber)).toEqual([SEARCHED, SEARCHED_1312]);
    // Released by the rollback: the release has started, and ends after the emulator's release delay.
    expect(byNumber(SEARCHED_1312)).toMatchObject({ releasing: true });
    w.clock.advance(20_000);
    expect(byNumber(SEARCHED_1312)).toBeUndefined();
    handNumbersKept();
  });

  it('a Delete waits for the release until the number leaves the list, read past the first page', async () => {
    // UK numbers: the longest prefix the service takes (11 digits) matches ten numbers, so the listing of
    // the released number reads several pages. The release takes a minute (of the manual clock); the
    // releasing invocation checks the list three times, 1 ms apart, before it answers.
    const UK = ['+442079460000', '+442079460001', '+442079460002', '+442079460003'];
    const RELEASED = '+442079460009';
    await start({ releaseDelayMs: 60_000 }, { PHONE_NUMBERS_SETTLE_WAIT_MS: '2', PHONE_NUMBERS_SETTLE_POLL_MS: '1' });
    for (const phoneNumber of UK) w.emu.seedClaimedNumber({ phoneNumber, targetArn: instance1, countryCode: 'GB' });
    w.emu.seedAvailableNumbers({ countryCode: 'GB', type: 'DID', phoneNumbers: [RELEASED] });
    const d = w.deployer();
    const stack = newStack();
    new ClaimedPhoneNumber(stack, 'Uk', { targetArn: instance1, phoneNumber: RELEASED, removalPolicy: RemovalPolicy.DESTROY });
    await d.deploy(stack);
    expect(byNumber(RELEASED)?.status).toBe('CLAIMED');

    await d.destroy();

    // The Delete completed only once the release was over: the number is gone, cooling down.
    expect(d.status).toBe('DELETE_COMPLETE');
    expect(byNumber(RELEASED)).toBeUndefined();
    expect(w.emu.snapshot().coolingDown).toContain(RELEASED);
    expect(UK.map((n) => byNumber(n)?.status)).toEqual(UK.map(() => 'CLAIMED'));
  });
});
