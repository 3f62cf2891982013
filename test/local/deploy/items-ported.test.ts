/**
 * ClaimedPhoneNumbers (many ported numbers at one target) through whole deploys with the real handler
 * bundle: each number is its own resource, so a failure is undone number by number, reordering the list
 * changes nothing, and removing a number touches that number only.
 */
import { ClaimedPhoneNumbers } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import { OWNER_TAG, newStack, startWorld, uuid, type World } from './real-stack';

const PORTED = ['+12065550100', '+12065550101', '+12065550102'];
const NOT_FOR_SALE = '+12065559999';

describe('ClaimedPhoneNumbers in whole deploys', () => {
  let w: World;
  let instance1: string;
  let instance2: string;

  beforeEach(async () => {
    w = await startWorld();
    instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
    instance2 = w.emu.seedInstance({ instanceId: uuid(2) });
    // Ported into the account by hand: claimed to instance 2, owned by nobody.
    for (const phoneNumber of PORTED) w.emu.seedClaimedNumber({ phoneNumber, targetArn: instance2, description: 'ported' });
  });
  afterEach(async () => w.stop());

  const numbers = () => w.emu.snapshot().claimed;
  const calls = (op: string) => w.emu.calls().filter((c) => c.operation === op && c.status < 300);
  const declare = (phoneNumbers: string[]) => {
    const stack = newStack();
    new ClaimedPhoneNumbers(stack, 'Ported', { targetArn: instance1, phoneNumbers, description: 'Ported line' });
    return stack;
  };

  it('adopts every number, each by its own resource; reordering the list changes nothing; removing one leaves the others alone', async () => {
    const d = w.deployer();
    await d.deploy(declare(PORTED));
    expect(numbers()).toHaveLength(3);
    for (const n of numbers()) {
      expect(n).toMatchObject({ targetArn: instance1, status: 'CLAIMED', description: 'Ported line' });
      expect(n.tags[OWNER_TAG]).toMatch(new RegExp(`^Phones/PortedNumber${n.phoneNumber.slice(1)}[0-9A-F]{8}@a`));
    }
    expect(
      d
        .resources()
        .map((r) => r.physicalResourceId)
        .sort(),
    ).toEqual(
      numbers()
        .map((n) => n.phoneNumberArn)
        .sort(),
    );
    w.emu.clearCalls();

    await d.deploy(declare([...PORTED].reverse()));
    expect(w.emu.calls().filter((c) => /^(Claim|Update|Release|Tag|Untag)/.test(c.operation))).toEqual([]);

    await d.deploy(declare([PORTED[0], PORTED[2]]));
    expect(d.resources()).toHaveLength(2);
    expect(calls('ReleasePhoneNumber')).toEqual([]); // the default policy keeps the removed number
    expect(numbers().map((n) => n.targetArn)).toEqual([instance1, instance1, instance1]);
  });

  it('a number that cannot be held fails alone: the rollback puts each adopted number back as it was', async () => {
    const d = w.deployer();
    await expect(d.deploy(declare([...PORTED, NOT_FOR_SALE]))).rejects.toThrow(DeployFailedError);
    expect(d.status).toBe('ROLLBACK_COMPLETE');
    expect(calls('ReleasePhoneNumber')).toEqual([]);
    for (const n of numbers()) {
      expect(n).toMatchObject({ targetArn: instance2, status: 'CLAIMED', description: 'ported' });
      expect(n.tags[OWNER_TAG]).toBeUndefined();
    }
  });
});
