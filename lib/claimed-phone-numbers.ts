import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IInstanceRef, ITrafficDistributionGroupRef } from 'aws-cdk-lib/aws-connect';
import { normalizeE164 } from '../lambda/contract';
import { ClaimedPhoneNumber } from './claimed-phone-number';
import { throwIfInvalid } from './private/errors';

/** Properties of ClaimedPhoneNumbers: a list of specific numbers, all held at one target. */
export interface ClaimedPhoneNumbersProps {
  /**
   * The ARN of the Connect instance or traffic distribution group every number is claimed (or moved) to.
   * Set exactly one of `targetArn`, `instance` and `trafficDistributionGroup`.
   * @default - none: `instance` or `trafficDistributionGroup` names the target
   */
  readonly targetArn?: string;
  /**
   * The Connect instance every number is claimed to: a `CfnInstance`, or any `IInstanceRef`.
   * @default - none: `targetArn` or `trafficDistributionGroup` names the target
   */
  readonly instance?: IInstanceRef;
  /**
   * The traffic distribution group every number is claimed to: a `CfnTrafficDistributionGroup`, or any
   * `ITrafficDistributionGroupRef`.
   * @default - none: `targetArn` or `instance` names the target
   */
  readonly trafficDistributionGroup?: ITrafficDistributionGroupRef;
  /**
   * The E.164 numbers, e.g. ['+12065550100', '+12065550101'], known at synth (not a token): each becomes
   * its own ClaimedPhoneNumber, whose id is derived from the number, so reordering the list changes
   * nothing and removing a number deletes only its resource.
   */
  readonly phoneNumbers: string[];
  /**
   * A description given to every number, at most 500 characters.
   * @default - no description
   */
  readonly description?: string;
  /**
   * Tags for every number (at most 49).
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };
  /**
   * What happens to each number when it leaves the list or the construct is deleted (see ClaimedPhoneNumber).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Many specific numbers at one target, e.g. numbers ported into the account: one ClaimedPhoneNumber per
 * number (claimed if free, adopted in place if already claimed in this account and region). Each number
 * stays its own resource, with its own owner tag, rollback and removal policy: a number that fails
 * fails alone, and the others keep what they did or get it undone one by one.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { ClaimedPhoneNumbers } from 'cdk-phone-numbers';
 *
 * const stack = new Stack(new App(), 'ContactCenter', { env: { account: '123456789012', region: 'us-east-1' } });
 * const ported = new ClaimedPhoneNumbers(stack, 'Ported', {
 *   targetArn: 'arn:aws:connect:us-east-1:123456789012:instance/4f6b5f07-9d1a-4c55-8e3b-2a7c1d9e0b64',
 *   phoneNumbers: ['+12065550100', '+12065550101', '+12065550102'],
 *   tags: { source: 'port-2026-11' },
 * });
 * ported.number('+12065550101').phoneNumberArn;
 */
export class ClaimedPhoneNumbers extends Construct {
  /** The ClaimedPhoneNumber of each number, in the order of `phoneNumbers`. */
  public readonly numbers: ClaimedPhoneNumber[];
  private readonly byNumber = new Map<string, ClaimedPhoneNumber>();

  constructor(scope: Construct, id: string, props: ClaimedPhoneNumbersProps) {
    super(scope, id);
    throwIfInvalid(this, problemsOf(props.phoneNumbers));
    this.numbers = props.phoneNumbers.map((phoneNumber) => {
      const claimed = new ClaimedPhoneNumber(this, idOf(phoneNumber), {
        targetArn: props.targetArn,
        instance: props.instance,
        trafficDistributionGroup: props.trafficDistributionGroup,
        phoneNumber,
        description: props.description,
        tags: props.tags,
        removalPolicy: props.removalPolicy,
      });
      this.byNumber.set(normalizeE164(phoneNumber), claimed);
      return claimed;
    });
  }

  /** The ClaimedPhoneNumber of `phoneNumber`, one of `phoneNumbers`. */
  public number(phoneNumber: string): ClaimedPhoneNumber {
    const found = this.byNumber.get(normalizeE164(phoneNumber));
    if (!found) {
      throw new Error(`${this.node.path}: '${phoneNumber}' is not one of its phoneNumbers (${[...this.byNumber.keys()].join(', ')}).`);
    }
    return found;
  }
}

/** The child id of a number: its digits, so that it does not depend on the number's place in the list. */
const idOf = (phoneNumber: string): string => `Number${phoneNumber.replace(/^\+/, '')}`;

function problemsOf(phoneNumbers: string[]): string[] {
  if (Token.isUnresolved(phoneNumbers)) {
    return ['phoneNumbers is a deploy-time value; list the numbers at synth: each becomes its own resource, named after its number.'];
  }
  if (phoneNumbers.length === 0) return ["phoneNumbers is empty; list at least one E.164 number, e.g. ['+12065550100']."];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const n of phoneNumbers) {
    if (Token.isUnresolved(n)) {
      problems.push(
        'a phoneNumbers entry is a deploy-time value; list the numbers at synth: each becomes its own resource, named after its number.',
      );
    } else if (seen.has(normalizeE164(n))) {
      problems.push(`phoneNumbers lists '${n}' twice; a number has one owner: list it once.`);
    }
    seen.add(normalizeE164(n));
  }
  return problems;
}
