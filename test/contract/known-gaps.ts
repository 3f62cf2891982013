/**
 * Violations the contract suite still finds, each with why it is not fixed yet. The suite fails on any
 * violation NOT listed here, and on a listed gap that no longer occurs (so this list only shrinks and
 * never hides a fix or a new failure). Each gap is an open defect: see docs/development.md, "The contract suite".
 */
export interface KnownGap {
  readonly id: string;
  /** Why the handler cannot yet make this right, and what would. */
  readonly why: string;
  /** The scenarios it covers (the runner's names: `Type/step[+breaker] @ Resource Operation#n fault`). */
  readonly scenario: RegExp;
  /** The violation's problem text. */
  readonly problem: RegExp;
  /** Found by the cross-stack family (test/contract/cross.test.ts) rather than the main suite. */
  readonly family?: 'cross';
}

/**
 * The last gap before (a ClaimedPhoneNumber create whose onEvent died after its claim leaked the number)
 * closed when the create moved into isComplete under a pending physical id (lambda/resources/claimed-phone-number/).
 */
export const KNOWN_GAPS: readonly KnownGap[] = [
  {
    id: 'move-between-in-parallel',
    why:
      'Found by the matrix (issue 16): with resources in flight at once, as CloudFormation runs independent ' +
      'resources, a number moved from one VoiceConnectorNumbers (Trunk, on connector A) to another (Other, on ' +
      'connector B) in one update is associated with B while Trunk has not yet taken it off A: Chime answers ' +
      'PhoneNumberAssociationsExist and the update fails (rolled back; nothing lost). A rollback run in parallel ' +
      'meets the same, the other way round, and can end UPDATE_ROLLBACK_FAILED. The fix is in ' +
      'lambda/resources/voice-connector-numbers.ts: a number held on another connector of this stack by a ' +
      'resource whose current declaration no longer has it should be waited for (retry later), not refused.',
    scenario: /^VoiceConnectorNumbers\/move-between.*, concurrency \d+\]$/,
    problem: /^(the clean deploy failed|the stack ended UPDATE_ROLLBACK_FAILED).*PhoneNumberAssociationsExist/,
  },
  {
    id: 'rename-taken-by-other-stack',
    why:
      'Found by the cross family under the matrix (issue 16; seed 15, row 4), not investigated yet: a ' +
      'ClaimedPhoneNumber rename while another stack deploys the same number (without takeOver) at the ' +
      "start of the step's first request ends with the number's ownership tag naming the other stack's " +
      'resource while this stack still holds it. Look at lambda/holder.ts and claim.ts (refuseIfHeld) for ' +
      "a window in which a rename's old and new resources both look released to another stack.",
    scenario: /^ClaimedPhoneNumber\/rename ~ other-stack during #1 \[row \d+(, concurrency \d+)?\]$/,
    problem: /was taken by OtherContractStack\/Theirs[0-9A-F]{8} without takeOver$/,
    family: 'cross',
  },
];

/** The gap a violation belongs to, if any. */
export function gapOf(v: { readonly scenario: string; readonly problem: string }): KnownGap | undefined {
  return KNOWN_GAPS.find((g) => g.scenario.test(v.scenario) && g.problem.test(v.problem));
}
