import {
  ArnFormat,
  CustomResource,
  IResource,
  ITaggable,
  Lazy,
  RemovalPolicy,
  Resource,
  Stack,
  TagManager,
  TagType,
  Token,
} from 'aws-cdk-lib';
import { IInstanceRef, IPhoneNumberRef, ITrafficDistributionGroupRef, PhoneNumberReference } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import {
  ClaimedPhoneNumberProperties,
  DEFAULT_PHONE_NUMBER_TYPE,
  RemovalPolicyName,
  FORMAT_VERSION,
  ResourceTypes,
  parsePhoneNumberArn,
  validateClaimedPhoneNumber,
  validateTags,
} from '../lambda/contract';
import { throwIfInvalid } from './private/errors';
import { PhoneNumbersProvider } from './private/provider';
import { exactlyOne, targetArnOf } from './private/refs';
import { registerOnce, registeredKeys } from './private/stack-registry';

/**
 * The types of phone number Amazon Connect offers: the values of `PhoneNumberType` in the Amazon Connect
 * API reference (SearchAvailablePhoneNumbers). Which types a country has is listed in the Amazon Connect
 * Administrator Guide ("Amazon Connect telecoms country coverage").
 */
export enum PhoneNumberType {
  /** A toll-free number: the caller is not charged for the call. */
  TOLL_FREE = 'TOLL_FREE',
  /** A direct inward dialing (DID) number: a local number that rings straight into Connect. The search default. */
  DID = 'DID',
  /**
   * A Universal International Freephone Number: one toll-free number reachable from several countries.
   * Inbound only: Connect blocks outbound calls from it (Administrator Guide, "Outbound calling restrictions").
   */
  UIFN = 'UIFN',
  /** SHARED: the API reference lists this type without describing it. */
  SHARED = 'SHARED',
  /** A third-party toll-free number (THIRD_PARTY_TF; the API reference lists it without describing it). */
  THIRD_PARTY_TF = 'THIRD_PARTY_TF',
  /** A third-party direct inward dialing number (THIRD_PARTY_DID; the API reference lists it without describing it). */
  THIRD_PARTY_DID = 'THIRD_PARTY_DID',
  /** A short code (SHORT_CODE; the API reference lists it without describing it). */
  SHORT_CODE = 'SHORT_CODE',
}

/**
 * A phone number claimed in Amazon Connect. It is also aws-cdk-lib's `IPhoneNumberRef`, so it goes
 * wherever a `CfnPhoneNumber` does.
 */
export interface IPhoneNumber extends IResource, IPhoneNumberRef {
  /**
   * The full ARN of the number. Always the ARN, never the bare id: the ARN works in both regions of a
   * traffic distribution group, the id only in the claim region.
   * @attribute
   */
  readonly phoneNumberArn: string;
  /**
   * The id of the number.
   * @attribute
   */
  readonly phoneNumberId: string;
}

/**
 * Properties of a ClaimedPhoneNumber: where the number is claimed to, and either the number itself
 * (`phoneNumber`) or what to search for (`countryCode`, with `phoneNumberType` and `prefix`).
 */
export interface ClaimedPhoneNumberProps {
  /**
   * The ARN of the Connect instance or traffic distribution group the number is claimed to.
   * Set exactly one of `targetArn`, `instance` and `trafficDistributionGroup`.
   * @default - none: `instance` or `trafficDistributionGroup` names the target
   */
  readonly targetArn?: string;
  /**
   * The Connect instance the number is claimed to: a `CfnInstance`, or any `IInstanceRef`.
   * @default - none: `targetArn` or `trafficDistributionGroup` names the target
   */
  readonly instance?: IInstanceRef;
  /**
   * The traffic distribution group the number is claimed to: a `CfnTrafficDistributionGroup`, or any
   * `ITrafficDistributionGroupRef`.
   * @default - none: `targetArn` or `instance` names the target
   */
  readonly trafficDistributionGroup?: ITrafficDistributionGroupRef;
  /**
   * A specific E.164 number, e.g. '+12065550100'. Claimed if it is free; adopted in place (moved to
   * `targetArn` when needed, never released and re-claimed) if it is already claimed in this account and region.
   * Set exactly one of `phoneNumber` and `countryCode`.
   * @default - none: the number is found by search with `countryCode`
   */
  readonly phoneNumber?: string;
  /**
   * Search mode: the ISO 3166-1 alpha-2 country to claim a number in, e.g. 'US'.
   * @default - none: `phoneNumber` names the number
   */
  readonly countryCode?: string;
  /**
   * Import mode: the ARN of a number you have in AWS End User Messaging SMS and Voice, e.g.
   * 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef',
   * imported into the instance `targetArn` names (Amazon Connect's ImportPhoneNumber; an instance, not
   * a traffic distribution group). If it is already imported in this account, it is adopted in place.
   * Only `RemovalPolicy.DESTROY` ever releases it (see README, "Importing from AWS End User Messaging").
   * Set exactly one of `phoneNumber`, `countryCode` and `sourcePhoneNumberArn`.
   * @default - none: the number is claimed (`phoneNumber` or `countryCode`)
   */
  readonly sourcePhoneNumberArn?: string;
  /**
   * Search mode: the type of number. (Named `phoneNumberType`, not `type`: `type` is a reserved word in Go.)
   * @default PhoneNumberType.DID
   */
  readonly phoneNumberType?: PhoneNumberType;
  /**
   * Search mode: the number must start with this prefix, e.g. '+1206'.
   * @default - any number of the country and type
   */
  readonly prefix?: string;
  /**
   * A description of the number, at most 500 characters.
   * @default - no description
   */
  readonly description?: string;
  /**
   * Tags for the number, at most 49 (the service allows 50; the handler adds one ownership tag).
   * `Tags.of(scope).add()` adds to these.
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };
  /**
   * What happens to the number when this resource is deleted or replaced. A number is
   * customer-facing identity: RETAIN_ON_UPDATE_OR_DELETE (the default) keeps it claimed (and billed) in
   * the account, except when the very deploy that claimed it fails and rolls back (then nothing holds
   * it, so it is released); RETAIN keeps it even then; DESTROY releases it, after which it cools down
   * (not claimable by anyone, you included, for up to 180 days) and counts toward the claim/release
   * churn quota. A number adopted (already claimed in the account before the deploy) is never released
   * by a rollback: its earlier target, description, tags and owner are put back.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Transfer a specific `phoneNumber` that a live `ClaimedPhoneNumber` of ANOTHER stack holds: this
   * resource adopts it, and the former holder's later deploys fail naming this one while its delete
   * leaves the number alone. Without it, declaring such a number fails before any change, naming the
   * holder. A number held by another resource of the same stack is never taken: remove or change that
   * resource in the same deploy instead. Only with `phoneNumber`.
   * @default false
   */
  readonly takeOver?: boolean;
}

/**
 * A phone number this stack owns in Amazon Connect: claimed by search or by number, or adopted when
 * it is already claimed in the account. Deleting it releases the number only with
 * `removalPolicy: RemovalPolicy.DESTROY`.
 *
 * @resource Custom::ClaimedPhoneNumber
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { ClaimedPhoneNumber, PhoneNumberType } from 'cdk-phone-numbers';
 *
 * const stack = new Stack(new App(), 'ContactCenter', { env: { account: '123456789012', region: 'us-east-1' } });
 * const instanceArn = 'arn:aws:connect:us-east-1:123456789012:instance/4f6b5f07-9d1a-4c55-8e3b-2a7c1d9e0b64';
 *
 * // A new Seattle number, found by search.
 * const support = new ClaimedPhoneNumber(stack, 'Support', {
 *   targetArn: instanceArn,
 *   countryCode: 'US',
 *   phoneNumberType: PhoneNumberType.DID,
 *   prefix: '+1206',
 *   description: 'Customer support',
 *   tags: { team: 'support' },
 * });
 *
 * // A specific number: claimed if it is free, adopted in place if it is already claimed in this account.
 * const main = new ClaimedPhoneNumber(stack, 'Main', { targetArn: instanceArn, phoneNumber: '+12065550100' });
 *
 * // A number another stack's ClaimedPhoneNumber holds, transferred to this stack (without takeOver the deploy fails naming the holder).
 * const moved = new ClaimedPhoneNumber(stack, 'Sales', { targetArn: instanceArn, phoneNumber: '+12065550101', takeOver: true });
 *
 * // A number owned elsewhere, by its full ARN.
 * const shared = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Shared',
 *   'arn:aws:connect:us-east-1:123456789012:phone-number/0c3a9e52-7d4b-4f1e-9a86-5b2d8c7e1f30');
 */
export class ClaimedPhoneNumber extends Resource implements IPhoneNumber, ITaggable {
  /** Imports a number claimed elsewhere (another stack, the console) by its full ARN. */
  public static fromPhoneNumberArn(scope: Construct, id: string, phoneNumberArn: string): IPhoneNumber {
    if (!Token.isUnresolved(phoneNumberArn) && !parsePhoneNumberArn(phoneNumberArn)) {
      throw new Error(
        `${scope.node.path}/${id}: phoneNumberArn '${phoneNumberArn}' is not a phone number ARN; ` +
          "expected 'arn:aws:connect:REGION:ACCOUNT:phone-number/ID'.",
      );
    }
    class Import extends Resource implements IPhoneNumber {
      public readonly phoneNumberArn = phoneNumberArn;
      public readonly phoneNumberId = Stack.of(scope).splitArn(phoneNumberArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
      public readonly phoneNumberRef: PhoneNumberReference = { phoneNumberArn };
    }
    return new Import(scope, id, { environmentFromArn: phoneNumberArn });
  }

  public readonly phoneNumberArn: string;
  public readonly phoneNumberId: string;
  /** The E.164 number actually owned. @attribute */
  public readonly phoneNumber: string;
  /** The ARN of the instance or traffic distribution group the number is claimed to. @attribute */
  public readonly targetArn: string;
  /** Tags of the number; `Tags.of()` writes here. */
  public readonly tags: TagManager;
  /** The number as aws-cdk-lib's reference (`IPhoneNumberRef`): its ARN. */
  public readonly phoneNumberRef: PhoneNumberReference;

  /** @internal the target as declared (a literal or a token), for synth-time checks of bindings */
  public readonly _declaredTargetArn: string;
  private readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ClaimedPhoneNumberProps) {
    super(scope, id);

    const searching = props.countryCode !== undefined;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    throwIfInvalid(this, exactlyOne(TARGET_PROPS(props), 'the instance or traffic distribution group the number is claimed to'));
    const targetArn = targetArnOf(props)!;
    const declared: ClaimedPhoneNumberProperties = {
      FormatVersion: FORMAT_VERSION,
      TargetArn: targetArn,
      PhoneNumber: props.phoneNumber,
      CountryCode: props.countryCode,
      SourcePhoneNumberArn: props.sourcePhoneNumberArn,
      Type: props.phoneNumberType,
      Prefix: props.prefix,
      Description: props.description,
      Tags: props.tags ? Object.entries(props.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
      RemovalPolicy: removalPolicyName(removalPolicy),
      TakeOver: props.takeOver ? 'true' : undefined,
    };
    throwIfInvalid(this, [...renamedProps(props), ...validateClaimedPhoneNumber(declared, Token.isUnresolved)]);
    if (props.phoneNumber !== undefined && !Token.isUnresolved(props.phoneNumber)) {
      const previous = registerOnce(this, SPECIFIC_NUMBERS, props.phoneNumber, this);
      if (previous !== undefined) {
        throwIfInvalid(this, [
          `phoneNumber '${props.phoneNumber}' is already declared by ${previous}; a number has one owner. ` +
            'Declare it in one ClaimedPhoneNumber and pass that construct where the number is needed.',
        ]);
      }
    }

    if (props.sourcePhoneNumberArn !== undefined && !Token.isUnresolved(props.sourcePhoneNumberArn)) {
      const previous = registerOnce(this, IMPORTED_SOURCES, props.sourcePhoneNumberArn, this);
      if (previous !== undefined) {
        throwIfInvalid(this, [
          `sourcePhoneNumberArn '${props.sourcePhoneNumberArn}' is already imported by ${previous}; a number has one owner. ` +
            'Declare it in one ClaimedPhoneNumber and pass that construct where the number is needed.',
        ]);
      }
    }

    this.tags = new TagManager(TagType.KEY_VALUE, ResourceTypes.CLAIMED_PHONE_NUMBER, props.tags);
    this.node.addValidation({
      // Tags.of() adds tags after the constructor; check the final set once aspects have run.
      validate: () => validateTags(this.renderTags(), Token.isUnresolved).map((p) => `${this.node.path}: ${p}`),
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: PhoneNumbersProvider.of(this).serviceToken,
      resourceType: ResourceTypes.CLAIMED_PHONE_NUMBER,
      properties: {
        ...declared,
        Type: props.phoneNumberType ?? (searching ? DEFAULT_PHONE_NUMBER_TYPE : undefined),
        // Search must not take a number that another construct of this stack declares (whenever it is declared).
        ExcludedPhoneNumbers: searching
          ? Lazy.list({ produce: () => registeredKeys(this, SPECIFIC_NUMBERS).sort() }, { omitEmpty: true })
          : undefined,
        Tags: Lazy.any({ produce: () => this.renderTags() }, { omitEmptyArray: true }),
      },
      removalPolicy,
    });

    this.phoneNumberArn = this.resource.getAttString('PhoneNumberArn');
    this.phoneNumberId = this.resource.getAttString('PhoneNumberId');
    this.phoneNumber = this.resource.getAttString('PhoneNumber');
    this.targetArn = this.resource.getAttString('TargetArn');
    this.phoneNumberRef = { phoneNumberArn: this.phoneNumberArn };
    this._declaredTargetArn = targetArn;
  }

  /**
   * Applies the policy to deletion and replacement alike (CloudFormation's DeletionPolicy and
   * UpdateReplacePolicy), and tells the handler whether a delete may release the number.
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.resource.applyRemovalPolicy(policy);
    const cfn = this.resource.node.defaultChild as import('aws-cdk-lib').CfnResource;
    cfn.addPropertyOverride('RemovalPolicy', removalPolicyName(policy));
  }

  private renderTags(): Array<{ Key: string; Value: string }> | undefined {
    const rendered = this.tags.renderTags() as Array<{ Key: string; Value: string }> | undefined;
    if (!rendered || rendered.length === 0) return undefined;
    return [...rendered].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  }
}

/** A prop under its old name (JavaScript callers are not type-checked): a clear error instead of a silent default. */
function renamedProps(props: ClaimedPhoneNumberProps): string[] {
  const type = (props as { type?: unknown }).type;
  return type === undefined
    ? []
    : [`type '${String(type)}' is set; the property is now phoneNumberType (type is a reserved word in Go). Rename it.`];
}

/** The props that name the target, for the check that exactly one is set. */
const TARGET_PROPS = (props: ClaimedPhoneNumberProps) => ({
  targetArn: props.targetArn,
  instance: props.instance,
  trafficDistributionGroup: props.trafficDistributionGroup,
});

/** Registry namespace of the specific numbers declared in a stack. */
const SPECIFIC_NUMBERS = 'claimed-phone-number';
/** Registry namespace of the End User Messaging numbers imported in a stack. */
const IMPORTED_SOURCES = 'claimed-phone-number-source';

function removalPolicyName(policy: RemovalPolicy): RemovalPolicyName {
  switch (policy) {
    case RemovalPolicy.DESTROY:
      return 'destroy';
    case RemovalPolicy.RETAIN:
      return 'retain';
    case RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE:
      return 'retain-except-on-create';
    default:
      throw new Error(
        `removalPolicy ${String(policy)} is not supported for a phone number; use RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE ` +
          '(the default: keep the number, release it only when the deploy that claimed it rolls back), RemovalPolicy.RETAIN ' +
          '(always keep it) or RemovalPolicy.DESTROY (release it on delete).',
      );
  }
}
