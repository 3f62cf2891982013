/**
 * The contract's invariants (local/contract/invariants.ts), each on a made-up step outcome: silent when
 * the promise holds, one violation naming what broke when it does not.
 */
import type { DeployedResource } from '../../local/deploy';
import {
  bystandersUntouched,
  checkStep,
  declarationsHold,
  deployEndsAsExpected,
  INVARIANTS,
  noLeakedClaims,
  rolledBackToBefore,
  stackNeverFailed,
} from '../../local/contract/invariants';
import type { StepOutcome } from '../../local/contract/invariants';
import type { NumberView, World } from '../../local/contract/view';
import {
  BYSTANDER,
  BYSTANDER_OWNER,
  CHIME_BYSTANDER,
  instanceArn,
  INSTANCE_1,
  INSTANCE_2,
  REGION,
  STACK_NAME,
  VC_OTHER,
} from '../../local/contract/world';

const ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/11111111-2222-4333-8444-555555555555';
const number = (extra: Partial<NumberView & { arn: string }> = {}): NumberView & { arn: string } => ({
  arn: ARN,
  targetArn: instanceArn(INSTANCE_1),
  status: 'CLAIMED',
  description: 'main',
  tags: {},
  owner: `${STACK_NAME}/Line`,
  flows: {},
  ...extra,
});
const bystander = number({ arn: `${ARN}b`, owner: BYSTANDER_OWNER.split('@')[0], description: 'theirs' });
const world = (numbers: Record<string, NumberView & { arn: string }>): World => ({
  numbers: new Map([[BYSTANDER, bystander], ...Object.entries(numbers)]),
  connectors: new Map([[`${REGION}/${VC_OTHER}`, [CHIME_BYSTANDER]]]),
});
const line: DeployedResource = {
  logicalId: 'Line',
  type: 'Custom::ClaimedPhoneNumber',
  physicalResourceId: ARN,
  data: {},
  properties: { TargetArn: instanceArn(INSTANCE_1), PhoneNumber: '+12065550110', Description: 'main' },
};
const outcome = (extra: Partial<StepOutcome> = {}): StepOutcome => ({
  faulted: true,
  breaker: false,
  before: world({}),
  after: world({ '+12065550110': number() }),
  status: 'CREATE_COMPLETE',
  resources: [line],
  retained: [],
  ...extra,
});
const deployFailed = Object.assign(new Error('Line failed'), { name: 'DeployFailedError' });

describe('the contract invariants', () => {
  it('find nothing in a step that kept every promise', () => {
    expect(checkStep(outcome())).toEqual([]);
    expect(INVARIANTS.map((i) => i.name)).toHaveLength(new Set(INVARIANTS.map((i) => i.name)).size);
  });

  it('stackNeverFailed names the resource whose rollback request failed', () => {
    const error = Object.assign(new Error('x'), { rollbackFailures: [{ logicalId: 'LineAB12CD34', reason: 'cannot release\nstack' }] });
    expect(stackNeverFailed(outcome({ status: 'UPDATE_ROLLBACK_FAILED', error })).map((f) => f.problem)).toEqual([
      'the stack ended UPDATE_ROLLBACK_FAILED; rollback request failed for Line: cannot release',
    ]);
  });

  it('deployEndsAsExpected: a clean failure, a Breaker that passed, a throw that is not a deploy failure', () => {
    expect(deployEndsAsExpected(outcome({ faulted: false, error: deployFailed })).map((f) => f.problem)).toEqual([
      'the clean deploy failed: Line failed',
    ]);
    expect(deployEndsAsExpected(outcome({ breaker: true })).map((f) => f.problem)).toEqual([
      'the deploy succeeded although the Breaker resource must fail',
    ]);
    expect(deployEndsAsExpected(outcome({ error: new TypeError('boom') })).map((f) => f.problem)).toEqual([
      'the deploy threw TypeError: boom',
    ]);
  });

  it('declarationsHold judges the end state: the number where, as and whose the stack declares', () => {
    const moved = outcome({ after: world({ '+12065550110': number({ targetArn: instanceArn(INSTANCE_2), owner: 'Someone/Else' }) }) });
    expect(declarationsHold(moved).map((f) => f.problem)).toEqual([
      `after success: Line's number +12065550110 targets ${instanceArn(INSTANCE_2)}, declared ${instanceArn(INSTANCE_1)}`,
      `after success: Line's number +12065550110 is owned by "Someone/Else", not by it`,
    ]);
    expect(declarationsHold(outcome({ after: world({}) })).map((f) => f.problem)).toEqual([
      `after success: Line holds ${ARN}, which is not claimed`,
    ]);
  });

  it('bystandersUntouched: what another stack or connector holds', () => {
    const after = world({ '+12065550110': number() });
    after.numbers.set(BYSTANDER, { ...bystander, flows: {}, description: 'changed' });
    after.connectors.delete(`${REGION}/${VC_OTHER}`);
    expect(bystandersUntouched(outcome({ after })).map((f) => f.problem)).toEqual([
      `after success: ${BYSTANDER} (owned by OtherStack/TheirLine) changed: ${BYSTANDER} description was "theirs", is "changed"`,
      `after success: ${CHIME_BYSTANDER} was taken off someone else's connector ${VC_OTHER}`,
    ]);
  });

  it('noLeakedClaims: a number owned by the stack that no resource declares, unless a policy kept it', () => {
    const after = world({ '+12065550110': number(), '+12065550111': number({ arn: `${ARN}2`, owner: `${STACK_NAME}/Line` }) });
    expect(noLeakedClaims(outcome({ after })).map((f) => f.problem)).toEqual([
      `after success: +12065550111 is claimed and owned by ${STACK_NAME}/Line, which does not declare it (leaked)`,
    ]);
    const retained = [
      { phase: 'cleanup' as const, logicalId: 'Line', physicalResourceId: `${ARN}2`, policy: 'UpdateReplacePolicy' as const },
    ];
    expect(noLeakedClaims(outcome({ after, retained }))).toEqual([]);
  });

  it('rolledBackToBefore: every difference from before the deploy, except what the rollback retained', () => {
    const rolledBack = outcome({ error: deployFailed, status: 'ROLLBACK_COMPLETE' });
    expect(rolledBackToBefore(rolledBack).map((f) => f.problem)).toEqual([
      `after rollback (ROLLBACK_COMPLETE): +12065550110 is claimed (CLAIMED, owner ${STACK_NAME}/Line) and was not`,
    ]);
    const retained = [{ phase: 'rollback' as const, logicalId: 'Line', physicalResourceId: ARN, policy: 'DeletionPolicy' as const }];
    expect(rolledBackToBefore({ ...rolledBack, retained })).toEqual([]);
    // Not a rollback: the stack failed (stackNeverFailed says so) or the deploy succeeded.
    expect(rolledBackToBefore({ ...rolledBack, status: 'ROLLBACK_FAILED' })).toEqual([]);
    expect(rolledBackToBefore(outcome())).toEqual([]);
  });
});
