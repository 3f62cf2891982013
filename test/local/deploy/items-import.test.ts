/**
 * ClaimedPhoneNumber importing from AWS End User Messaging (sourcePhoneNumberArn) through whole deploys:
 * the real handler bundle (`npm run bundle`), the local deployer's CloudFormation lifecycle and the
 * emulator's ImportPhoneNumber, under both readings of what a release does to an imported number
 * (the emulator's `importedNumberRelease`; AWS documents neither, docs/service-facts.md).
 */
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from '../../../lib';
import { DeployFailedError } from '../../../local/deploy';
import type { ImportedNumberRelease } from '../../../local/emulator';
import { OWNER_TAG, newStack, startWorld, uuid, type World } from './real-stack';

const NUMBER = '+12065550150';
const NOT_FOR_SALE = '+12065559999';

describe.each<ImportedNumberRelease>(['return-to-source', 'release-source'])(
  'an imported number in whole deploys (a release %s)',
  (reading) => {
    let w: World;
    let instance: string;
    let flow: string;
    let source: string;

    beforeEach(async () => {
      w = await startWorld({ importedNumberRelease: reading });
      instance = w.emu.seedInstance({ instanceId: uuid(1) });
      flow = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(11) });
      source = w.emu.seedSourceNumber({ phoneNumber: NUMBER, countryCode: 'US', type: 'DID' });
    });
    afterEach(async () => w.stop());

    const imported = () => w.emu.snapshot().claimed.filter((n) => n.sourcePhoneNumberArn === source);
    const calls = (op: string) => w.emu.calls().filter((c) => c.operation === op && c.status < 300);
    const sourceLeft = () => w.emu.snapshot().sourceNumbers.find((s) => s.sourcePhoneNumberArn === source);
    /** After a release: importable again, or gone for good, as the reading says. */
    const expectReleasedPerReading = () => {
      expect(imported()).toEqual([]);
      expect(calls('ReleasePhoneNumber')).toHaveLength(1);
      if (reading === 'return-to-source') expect(sourceLeft()).toEqual({ sourcePhoneNumberArn: source, phoneNumber: NUMBER });
      else expect(sourceLeft()).toBeUndefined();
    };

    function declare(options: { removalPolicy?: RemovalPolicy; failAfter?: boolean; bind?: boolean } = {}): Stack {
      const stack = newStack();
      const sms = new ClaimedPhoneNumber(stack, 'Sms', {
        targetArn: instance,
        sourcePhoneNumberArn: source,
        description: 'SMS line',
        removalPolicy: options.removalPolicy,
      });
      if (options.bind) new PhoneNumberFlowBinding(stack, 'SmsFlow', { phoneNumber: sms, contactFlowArn: flow });
      if (options.failAfter) {
        // A resource created after the import whose claim is refused: the deploy fails there and rolls back.
        new ClaimedPhoneNumber(stack, 'Breaker', { targetArn: instance, phoneNumber: NOT_FOR_SALE }).node.addDependency(sms);
      }
      return stack;
    }

    it('imports the number, binds it to a flow, and answers its attributes', async () => {
      const d = w.deployer();
      await d.deploy(declare({ bind: true }));
      expect(d.status).toBe('CREATE_COMPLETE');
      const [n] = imported();
      expect(n).toMatchObject({
        phoneNumber: NUMBER,
        targetArn: instance,
        status: 'CLAIMED',
        description: 'SMS line',
        flows: { [uuid(1)]: uuid(11) },
      });
      expect(n.tags[OWNER_TAG]).toMatch(/^Phones\/Sms[0-9A-F]+@c/);
      const sms = d.resources().find((r) => r.logicalId.startsWith('Sms') && !r.logicalId.startsWith('SmsFlow'))!;
      expect(sms.physicalResourceId).toBe(n.phoneNumberArn);
      expect(d.outputs(sms.logicalId).data).toMatchObject({ PhoneNumber: NUMBER, PhoneNumberArn: n.phoneNumberArn, TargetArn: instance });
      expect(calls('ImportPhoneNumber')).toHaveLength(1);
    });

    describe('a deploy that fails after the import rolls back', () => {
      it('keeps the number imported (default policy), and the next deploy takes it back without importing again', async () => {
        const d = w.deployer();
        await expect(d.deploy(declare({ failAfter: true }))).rejects.toThrow(DeployFailedError);
        expect(d.status).toBe('ROLLBACK_COMPLETE');
        expect(calls('ReleasePhoneNumber')).toHaveLength(0);
        const kept = imported();
        expect(kept).toMatchObject([{ status: 'CLAIMED', tags: { [OWNER_TAG]: expect.stringMatching(/^Phones\/Sms/) } }]);
        // The user deletes the ROLLBACK_COMPLETE stack and deploys again (a new stack of the same name).
        await d.destroy();
        const retry = w.deployer({ stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/${uuid(9)}` });
        await retry.deploy(declare());
        expect(retry.status).toBe('CREATE_COMPLETE');
        expect(imported().map((n) => n.phoneNumberArn)).toEqual([kept[0].phoneNumberArn]);
        expect(calls('ImportPhoneNumber')).toHaveLength(1); // the first deploy's, none since
      });

      it('releases it under DESTROY', async () => {
        const d = w.deployer();
        await expect(d.deploy(declare({ failAfter: true, removalPolicy: RemovalPolicy.DESTROY }))).rejects.toThrow(DeployFailedError);
        expect(d.status).toBe('ROLLBACK_COMPLETE');
        expectReleasedPerReading();
      });

      it('keeps it under RETAIN', async () => {
        const d = w.deployer();
        await expect(d.deploy(declare({ failAfter: true, removalPolicy: RemovalPolicy.RETAIN }))).rejects.toThrow(DeployFailedError);
        expect(imported()).toHaveLength(1);
        expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      });
    });

    it('an import that ends FAILED fails the deploy, which rolls back cleanly and can be deployed again', async () => {
      w.emu.injectFault({ kind: 'asyncFail', operation: 'ImportPhoneNumber', phoneNumber: NUMBER, message: 'carrier refused' });
      const d = w.deployer();
      await expect(d.deploy(declare())).rejects.toThrow(/import of \+12065550150 failed: carrier refused/);
      expect(d.status).toBe('ROLLBACK_COMPLETE');
      expect(sourceLeft()).toBeDefined();
      await d.destroy();
      const retry = w.deployer({ stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/${uuid(9)}` });
      await retry.deploy(declare());
      expect(imported()).toMatchObject([{ status: 'CLAIMED' }]);
    });

    describe('deleting the stack', () => {
      it.each([
        ['RETAIN_ON_UPDATE_OR_DELETE (the default)', undefined],
        ['RETAIN', RemovalPolicy.RETAIN],
      ])('%s: leaves the number imported', async (_name, removalPolicy) => {
        const d = w.deployer();
        await d.deploy(declare({ removalPolicy }));
        await d.destroy();
        expect(imported()).toMatchObject([{ status: 'CLAIMED' }]);
        expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      });

      it('DESTROY: releases it; what remains in End User Messaging is the reading of the release', async () => {
        const d = w.deployer();
        await d.deploy(declare({ removalPolicy: RemovalPolicy.DESTROY }));
        await d.destroy();
        expectReleasedPerReading();
      });
    });

    describe('a fault at each AWS call of a create and a DESTROY delete', () => {
      it.each(['ListPhoneNumbersV2', 'ImportPhoneNumber', 'DescribePhoneNumber', 'TagResource', 'ReleasePhoneNumber'])(
        '%s answering 500 three times in a row: the deploy and the delete still complete, one import, nothing leaked',
        async (operation) => {
          w.emu.injectFault({
            kind: 'error',
            operation,
            times: 3,
            errorName: 'InternalServiceException',
            status: 500,
            message: 'try again',
          });
          const d = w.deployer();
          await d.deploy(declare({ removalPolicy: RemovalPolicy.DESTROY }));
          expect(imported()).toMatchObject([{ status: 'CLAIMED' }]);
          await d.destroy();
          expect(w.emu.calls().filter((c) => c.operation === operation && c.status === 500)).toHaveLength(3);
          expect(calls('ImportPhoneNumber')).toHaveLength(1);
          expectReleasedPerReading();
        },
      );

      it('ImportPhoneNumber applied but its answer lost: the import is found by its marker, not repeated', async () => {
        w.emu.injectFault({ kind: 'dropAfterApply', operation: 'ImportPhoneNumber', times: 5 });
        const d = w.deployer();
        await d.deploy(declare());
        expect(imported()).toHaveLength(1);
        expect(d.resources()[0].physicalResourceId).toBe(imported()[0].phoneNumberArn);
      });

      it('ImportPhoneNumber refused (AccessDenied): the deploy fails naming it, nothing is imported', async () => {
        w.emu.injectFault({
          kind: 'error',
          operation: 'ImportPhoneNumber',
          errorName: 'AccessDeniedException',
          status: 403,
          message: 'not allowed',
        });
        const d = w.deployer();
        await expect(d.deploy(declare())).rejects.toThrow(/not allowed/);
        expect(d.status).toBe('ROLLBACK_COMPLETE');
        expect(imported()).toEqual([]);
        expect(sourceLeft()).toEqual({ sourcePhoneNumberArn: source, phoneNumber: NUMBER });
      });
    });
  },
);
