/**
 * A ClaimedPhoneNumber renamed (new logical id, same number) while another stack declares the number
 * without takeOver (the cross contract family's gap `rename-taken-by-other-stack`): from the moment the
 * update starts, the template no longer declares the old logical id while the new one has not yet tagged
 * the number. The number is held all along (the rename's stack lists the old resource with it, and a
 * failed update would bring that resource back), so the other stack is refused in that window too.
 * Real handler bundle (`npm run bundle`).
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import { ACCOUNT, OWNER_TAG, REGION, startWorld, uuid, type World } from './real-stack';

const NUMBER = '+12065550100';

describe('a rename while another stack declares the same number', () => {
  let w: World;
  let instance1: string;
  let instance2: string;

  beforeEach(async () => {
    w = await startWorld();
    instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
    instance2 = w.emu.seedInstance({ instanceId: uuid(2) });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER] });
  });
  afterEach(async () => {
    await w.stop();
  });

  function declare(name: string, id: string, target: string): Stack {
    const stack = new Stack(new App(), name, { env: { account: ACCOUNT, region: REGION } });
    new ClaimedPhoneNumber(stack, id, { targetArn: target, phoneNumber: NUMBER, removalPolicy: RemovalPolicy.DESTROY });
    return stack;
  }
  const number = () => w.emu.snapshot().claimed.find((c) => c.phoneNumber === NUMBER);

  it('the other stack deploying before the new logical id runs is refused; the rename keeps the number', async () => {
    let renaming = false;
    let theirs: Promise<unknown> | undefined;
    const ours = w.deployer({
      stackName: 'Ours',
      onRequest: async (p) => {
        // The other stack's whole deploy, just before the rename's first request (the new logical id's Create).
        if (!renaming || theirs || p.stage !== 'start') return;
        const deploy = w.deployer({ stackName: 'Other' }).deploy(declare('Other', 'Theirs', instance2));
        theirs = deploy;
        await deploy.catch(() => undefined);
      },
    });
    await ours.deploy(declare('Ours', 'Old', instance1));
    const arn = number()!.phoneNumberArn;
    renaming = true;

    await ours.deploy(declare('Ours', 'New', instance1));

    await expect(theirs).rejects.toThrow(DeployFailedError);
    await expect(theirs).rejects.toThrow(/stack Ours, logical id Old.*takeOver/s);
    expect(number()).toMatchObject({ phoneNumberArn: arn, targetArn: instance1, status: 'CLAIMED' });
    expect(number()!.tags[OWNER_TAG]).toMatch(/^Ours\/New[0-9A-F]{8}@/);
  });
});
