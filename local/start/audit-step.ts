/**
 * The audit in `npm start`: a hand change made through the SDK the way a person in the console makes
 * it (a number rebound to another flow), then `cdk-phone-numbers audit` run against the stand-in,
 * finding it; after the example change's deploy, the same audit finds it repaired.
 */
import { AssociatePhoneNumberContactFlowCommand, ConnectClient } from '@aws-sdk/client-connect';
import { parseContactFlowArn } from '../../lambda/contract/arns';
import { runAudit } from '../../cli/audit/run';
import type { Emulator } from '../emulator/types';
import type { Output } from './run';

/** The flow the hand change binds: made "in the console" in the instance of the example's flow. */
export const HAND_FLOW_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

export interface HandChange {
  readonly phoneNumber: string;
  readonly declaredFlowArn: string;
  readonly handFlowArn: string;
}

/** Rebinds the number (bound to `declaredFlowArn` by the deploy) to a new flow of the same instance, through the SDK. */
export async function rebindByHand(emulator: Emulator, region: string, phoneNumber: string, declaredFlowArn: string): Promise<HandChange> {
  const flow = parseContactFlowArn(declaredFlowArn);
  if (!flow) throw new Error(`not a contact flow ARN: ${declaredFlowArn}`);
  const handFlowArn = emulator.seedContactFlow({
    accountId: flow.account,
    region,
    instanceId: flow.instanceId,
    contactFlowId: HAND_FLOW_ID,
  });
  const number = emulator.snapshot({ accountId: flow.account, region }).claimed.find((n) => n.phoneNumber === phoneNumber);
  if (!number) throw new Error(`${phoneNumber} is not claimed in the stand-in`);
  const client = new ConnectClient({ region });
  try {
    await client.send(
      new AssociatePhoneNumberContactFlowCommand({
        PhoneNumberId: number.phoneNumberArn,
        InstanceId: flow.instanceId,
        ContactFlowId: handFlowArn,
      }),
    );
  } finally {
    client.destroy();
  }
  return { phoneNumber, declaredFlowArn, handFlowArn };
}

/** Runs the audit in this process (its clients read the stand-in's AWS_* variables), its table indented into `out`. */
export async function auditInto(
  args: readonly string[],
  out: (line: string) => void,
  stdout: Output,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  let text = '';
  let errors = '';
  const { code } = await runAudit(args, {
    stdout: { write: (t: string) => (text += t), isTTY: stdout.isTTY },
    // Its progress lines say what it reads (left out here); an error says why it stopped.
    stderr: {
      write: (t: string) =>
        (errors += t
          .split('\n')
          .filter((l) => l.startsWith('cdk-phone-numbers audit:'))
          .join('\n')),
    },
    env,
  });
  for (const line of `${text}${errors}`.trimEnd().split('\n')) out(line === '' ? '' : `  ${line}`);
  return code;
}
