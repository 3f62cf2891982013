/**
 * Pure validators shared by the constructs (synth time) and the handler (deploy time).
 * Each returns a list of messages, empty when the input is valid. A message names the field,
 * shows the value received and says what is expected. Callers prefix it with where it came from
 * (the construct path, or the logical id).
 */
import { REGION_NAME, parseContactFlowArn, parsePhoneNumberArn, parseTargetArn } from './arns';
import { CONNECT_COUNTRY_CODES, PHONE_NUMBER_TYPES } from './service-enums';
import { MAX_USER_TAGS } from './resource-types';
import { REMOVAL_POLICY_NAMES } from './properties';
import type { ClaimedPhoneNumberProperties, PhoneNumberFlowBindingProperties, VoiceConnectorNumbersProperties } from './properties';

/** Tells whether a value is a deploy-time token; such values are skipped. The handler sees none. */
export type IsUnresolved = (value: unknown) => boolean;
const RESOLVED: IsUnresolved = () => false;

/** E.164 as Amazon Connect accepts it: a leading '+' is required. */
export const CONNECT_E164 = /^\+[1-9]\d{1,14}$/;
/** E.164 as Chime SDK Voice accepts it: the leading '+' is optional. */
export const CHIME_E164 = /^\+?[1-9]\d{1,14}$/;
/** Search prefix accepted by the construct: '+' then 1 to 11 digits. */
export const PREFIX = /^\+[0-9]{1,11}$/;
/** Connect tag keys: 1-128 characters of letters, spaces, digits and _.:/=+-@, not starting with 'aws:'. */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_TAG_VALUE_LENGTH = 256;

const show = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value)));

/** The '+'-prefixed E.164 form of a number given with or without its '+'. */
export function normalizeE164(phoneNumber: string): string {
  return phoneNumber.startsWith('+') ? phoneNumber : `+${phoneNumber}`;
}

export function validateTargetArn(value: unknown, field = 'targetArn', isUnresolved: IsUnresolved = RESOLVED): string[] {
  if (isUnresolved(value)) return [];
  if (typeof value !== 'string' || !parseTargetArn(value)) {
    return [
      `${field} ${show(value)} is not a Connect instance or traffic distribution group ARN; expected ` +
        `'arn:aws:connect:REGION:ACCOUNT:instance/ID' or 'arn:aws:connect:REGION:ACCOUNT:traffic-distribution-group/ID'.`,
    ];
  }
  return [];
}

export function validateConnectPhoneNumber(value: unknown, field = 'phoneNumber', isUnresolved: IsUnresolved = RESOLVED): string[] {
  if (isUnresolved(value)) return [];
  if (typeof value !== 'string' || !CONNECT_E164.test(value)) {
    return [`${field} ${show(value)} is not an E.164 number; expected '+' then 2-15 digits without spaces, e.g. '+12065550100'.`];
  }
  return [];
}

export function validateTags(
  tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }> | undefined,
  isUnresolved: IsUnresolved = RESOLVED,
): string[] {
  if (tags === undefined || isUnresolved(tags)) return [];
  const errors: string[] = [];
  if (tags.length > MAX_USER_TAGS) {
    errors.push(
      `tags has ${tags.length} entries; at most ${MAX_USER_TAGS} are allowed (the service allows 50 and one is the ownership tag). Remove ${tags.length - MAX_USER_TAGS}.`,
    );
  }
  for (const { Key: key, Value: value } of tags) {
    if (!isUnresolved(key) && (typeof key !== 'string' || !TAG_KEY.test(key))) {
      errors.push(`tag key ${show(key)} is invalid; expected 1-128 letters, digits, spaces or _.:/=+-@, not starting with 'aws:'.`);
    }
    if (!isUnresolved(value) && (typeof value !== 'string' || value.length > MAX_TAG_VALUE_LENGTH)) {
      errors.push(`tag ${show(key)} has a value of ${String(value).length} characters; at most ${MAX_TAG_VALUE_LENGTH} are allowed.`);
    }
  }
  return errors;
}

/** An ARN of any service with a region and an account, e.g. 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-...'. */
const SOURCE_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:\S+$/;

const MODES =
  'phoneNumber to claim or adopt a specific number, countryCode to claim one by search, sourcePhoneNumberArn to import one from AWS End User Messaging';

/**
 * Import mode (SourcePhoneNumberArn): set alone (not with phoneNumber or countryCode, nor their search
 * options), an ARN, and a target that is an instance (ImportPhoneNumber takes an InstanceId, no TDG).
 */
function validateImport(p: ClaimedPhoneNumberProperties, isUnresolved: IsUnresolved): string[] {
  if (p.SourcePhoneNumberArn === undefined) return [];
  const errors: string[] = [];
  const others = [
    ['phoneNumber', p.PhoneNumber],
    ['countryCode', p.CountryCode],
    ['phoneNumberType', p.Type],
    ['prefix', p.Prefix],
  ].filter(([, v]) => v !== undefined);
  for (const [name, value] of others) {
    errors.push(
      `sourcePhoneNumberArn ${show(p.SourcePhoneNumberArn)} and ${name} ${show(value)} are both set; an imported number is named by its source alone. Remove ${name}, or set ${MODES}.`,
    );
  }
  const arn = p.SourcePhoneNumberArn;
  if (!isUnresolved(arn) && (typeof arn !== 'string' || !SOURCE_ARN.test(arn))) {
    errors.push(
      `sourcePhoneNumberArn ${show(arn)} is not an ARN; expected the ARN of the number in AWS End User Messaging, e.g. 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef'.`,
    );
  }
  if (!isUnresolved(p.TargetArn) && parseTargetArn(String(p.TargetArn))?.kind === 'traffic-distribution-group') {
    errors.push(
      `targetArn ${show(p.TargetArn)} is a traffic distribution group; ImportPhoneNumber imports into an instance only. Set targetArn to the instance ARN.`,
    );
  }
  return errors;
}

export function validateClaimedPhoneNumber(p: ClaimedPhoneNumberProperties, isUnresolved: IsUnresolved = RESOLVED): string[] {
  const errors = [...validateTargetArn(p.TargetArn, 'targetArn', isUnresolved)];
  if (p.SourcePhoneNumberArn !== undefined) return [...errors, ...validateImport(p, isUnresolved), ...validateCommon(p, isUnresolved)];
  const hasNumber = p.PhoneNumber !== undefined;
  const hasCountry = p.CountryCode !== undefined;
  if (hasNumber === hasCountry) {
    errors.push(
      hasNumber
        ? `phoneNumber ${show(p.PhoneNumber)} and countryCode ${show(p.CountryCode)} are both set; set exactly one: ${MODES}.`
        : `none of phoneNumber, countryCode and sourcePhoneNumberArn is set; set exactly one: ${MODES}.`,
    );
  }
  if (hasNumber) {
    errors.push(...validateConnectPhoneNumber(p.PhoneNumber, 'phoneNumber', isUnresolved));
    if (p.Type !== undefined)
      errors.push(`phoneNumberType ${show(p.Type)} is set with phoneNumber; phoneNumberType only applies with countryCode. Remove it.`);
    if (p.Prefix !== undefined)
      errors.push(`prefix ${show(p.Prefix)} is set with phoneNumber; prefix only applies with countryCode. Remove it.`);
  }
  if (hasCountry && !isUnresolved(p.CountryCode) && !CONNECT_COUNTRY_CODES.has(p.CountryCode as string)) {
    errors.push(
      `countryCode ${show(p.CountryCode)} is not a country code Amazon Connect accepts; expected an upper-case ISO 3166-1 alpha-2 code such as 'US' or 'GB'.`,
    );
  }
  if (p.Type !== undefined && !isUnresolved(p.Type) && !PHONE_NUMBER_TYPES.includes(p.Type as string)) {
    errors.push(`phoneNumberType ${show(p.Type)} is not a phone number type; expected one of ${PHONE_NUMBER_TYPES.join(', ')}.`);
  }
  if (p.Prefix !== undefined && !isUnresolved(p.Prefix) && (typeof p.Prefix !== 'string' || !PREFIX.test(p.Prefix))) {
    errors.push(`prefix ${show(p.Prefix)} is invalid; expected '+' then 1-11 digits, e.g. '+1206'.`);
  }
  return [...errors, ...validateCommon(p, isUnresolved)];
}

/** What every mode checks the same way: description, excluded numbers, tags, removal policy. */
function validateCommon(p: ClaimedPhoneNumberProperties, isUnresolved: IsUnresolved): string[] {
  const errors: string[] = [];
  if (p.Description !== undefined && !isUnresolved(p.Description)) {
    if (typeof p.Description !== 'string' || p.Description.length > MAX_DESCRIPTION_LENGTH) {
      errors.push(`description has ${String(p.Description).length} characters; at most ${MAX_DESCRIPTION_LENGTH} are allowed.`);
    }
  }
  if (p.ExcludedPhoneNumbers !== undefined && !isUnresolved(p.ExcludedPhoneNumbers)) {
    for (const n of p.ExcludedPhoneNumbers) errors.push(...validateConnectPhoneNumber(n, 'excluded phone number', isUnresolved));
  }
  errors.push(...validateTags(p.Tags, isUnresolved));
  if (p.RemovalPolicy !== undefined && !(REMOVAL_POLICY_NAMES as ReadonlyArray<string>).includes(p.RemovalPolicy)) {
    errors.push(`removalPolicy ${show(p.RemovalPolicy)} is not supported; expected RETAIN_ON_UPDATE_OR_DELETE, RETAIN or DESTROY.`);
  }
  errors.push(...validateTakeOver(p.TakeOver), ...takeOverOfSearch(p));
  return errors;
}

/** TakeOver applies to a specific number: a search only claims free numbers. */
function takeOverOfSearch(p: ClaimedPhoneNumberProperties): string[] {
  return p.TakeOver === 'true' && p.CountryCode !== undefined
    ? [
        'takeOver is set with countryCode; a search only claims free numbers, so there is nothing to take over. Set phoneNumber, or remove takeOver.',
      ]
    : [];
}

/** TakeOver is 'true' or absent ('false' is accepted as absent). */
function validateTakeOver(value: unknown): string[] {
  return value === undefined || value === 'true' || value === 'false'
    ? []
    : [`takeOver ${show(value)} is invalid; expected true or false (a literal boolean).`];
}

export function validatePhoneNumberFlowBinding(p: PhoneNumberFlowBindingProperties, isUnresolved: IsUnresolved = RESOLVED): string[] {
  const errors: string[] = [];
  if (!isUnresolved(p.ContactFlowArn) && (typeof p.ContactFlowArn !== 'string' || !parseContactFlowArn(p.ContactFlowArn))) {
    errors.push(
      `contactFlowArn ${show(p.ContactFlowArn)} is not a contact flow ARN; expected 'arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE_ID/contact-flow/FLOW_ID'.`,
    );
  }
  if (!isUnresolved(p.PhoneNumberArn) && (typeof p.PhoneNumberArn !== 'string' || !parsePhoneNumberArn(p.PhoneNumberArn))) {
    errors.push(
      `phoneNumber ARN ${show(p.PhoneNumberArn)} is not a phone number ARN; expected 'arn:aws:connect:REGION:ACCOUNT:phone-number/ID'.`,
    );
  }
  if (p.PhoneNumberTargetArn !== undefined) {
    errors.push(...validateTargetArn(p.PhoneNumberTargetArn, "the number's targetArn", isUnresolved));
  }
  errors.push(...validateTakeOver(p.TakeOver));
  return errors;
}

/** Rejects a flow in another instance than the number's target (an instance; TDG targets are the caller's concern). */
export function validateFlowInTarget(contactFlowArn: string, targetArn: string): string[] {
  const flow = parseContactFlowArn(contactFlowArn);
  const target = parseTargetArn(targetArn);
  if (!flow || !target || target.kind !== 'instance') return [];
  const same = flow.instanceId === target.instanceId && flow.region === target.region && flow.account === target.account;
  return same
    ? []
    : [
        `contactFlowArn '${contactFlowArn}' is in instance '${flow.instanceId}' (${flow.region}), but the number is claimed to '${targetArn}'; ` +
          "bind the number to a flow of the instance it is claimed to, or change the number's targetArn.",
      ];
}

export function validateVoiceConnectorNumbers(p: VoiceConnectorNumbersProperties, isUnresolved: IsUnresolved = RESOLVED): string[] {
  const errors: string[] = [];
  const id = p.VoiceConnectorId;
  if (!isUnresolved(id) && (typeof id !== 'string' || id.length === 0 || /\s/.test(id))) {
    errors.push(`voiceConnectorId ${show(id)} is invalid; expected a non-empty id without white space, e.g. 'abcdef1ghij2klmno3pqr4'.`);
  }
  if (!isUnresolved(p.Region) && (typeof p.Region !== 'string' || !REGION_NAME.test(p.Region))) {
    errors.push(`region ${show(p.Region)} is not an AWS region; expected e.g. 'us-east-1'.`);
  }
  const numbers = p.PhoneNumbers;
  if (isUnresolved(numbers)) return errors;
  if (!Array.isArray(numbers) || numbers.length === 0) {
    errors.push(`phoneNumbers ${show(numbers)} is empty; expected at least one E.164 number, e.g. ['+12065550100'].`);
    return errors;
  }
  const seen = new Map<string, string>();
  for (const n of numbers) {
    if (isUnresolved(n)) continue;
    if (typeof n !== 'string' || !CHIME_E164.test(n)) {
      errors.push(`phoneNumbers entry ${show(n)} is not an E.164 number; expected an optional '+' then 2-15 digits, e.g. '+12065550100'.`);
      continue;
    }
    const key = normalizeE164(n);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(`phoneNumbers lists ${show(n)} twice (as ${show(first)} and ${show(n)}); list each number once.`);
    } else {
      seen.set(key, n);
    }
  }
  if (p.ForceAssociate !== undefined && p.ForceAssociate !== 'true' && p.ForceAssociate !== 'false') {
    errors.push(`forceAssociate ${show(p.ForceAssociate)} is not a boolean; expected true or false.`);
  }
  return errors;
}
