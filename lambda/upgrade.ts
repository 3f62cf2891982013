/**
 * Upgrades the properties of an event to the current FormatVersion, so that a resource deployed by
 * an older library still updates and deletes correctly. Version '0' is the earliest form: no
 * FormatVersion, defaults left out, tags possibly as a map, booleans possibly as booleans.
 */
import {
  DEFAULT_PHONE_NUMBER_TYPE,
  FORMAT_VERSION,
  type ClaimedPhoneNumberProperties,
  type PhoneNumberFlowBindingProperties,
  type VoiceConnectorNumbersProperties,
} from './contract';
import { FormatVersionUnsupportedError } from './errors';

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : String(v));

function tagsOf(v: unknown): ClaimedPhoneNumberProperties['Tags'] {
  if (v === undefined || v === null) return undefined;
  const entries: Array<{ Key: string; Value: string }> = Array.isArray(v)
    ? v.map((t: { Key: unknown; Value: unknown }) => ({ Key: String(t.Key), Value: String(t.Value) }))
    : Object.entries(v as Record<string, unknown>).map(([Key, Value]) => ({ Key, Value: String(Value) }));
  return entries.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

function checkVersion(raw: Raw): void {
  const version = str(raw.FormatVersion) ?? '0';
  if (!/^\d+$/.test(version) || Number(version) > Number(FORMAT_VERSION)) {
    throw new FormatVersionUnsupportedError(version, FORMAT_VERSION);
  }
}

export function upgradeClaimedPhoneNumber(raw: Raw): ClaimedPhoneNumberProperties {
  checkVersion(raw);
  const countryCode = str(raw.CountryCode);
  return {
    FormatVersion: FORMAT_VERSION,
    TargetArn: str(raw.TargetArn) as string,
    PhoneNumber: str(raw.PhoneNumber),
    CountryCode: countryCode,
    SourcePhoneNumberArn: str(raw.SourcePhoneNumberArn),
    // Search mode defaults to DID (the construct's default; the earliest form left it out).
    Type: str(raw.Type) ?? (countryCode !== undefined ? DEFAULT_PHONE_NUMBER_TYPE : undefined),
    Prefix: str(raw.Prefix),
    ExcludedPhoneNumbers: Array.isArray(raw.ExcludedPhoneNumbers) ? raw.ExcludedPhoneNumbers.map((n) => String(n)) : undefined,
    Description: str(raw.Description),
    Tags: tagsOf(raw.Tags),
    RemovalPolicy: (str(raw.RemovalPolicy) ?? 'retain').toLowerCase(),
    TakeOver: str(raw.TakeOver)?.toLowerCase(),
  };
}

export function upgradePhoneNumberFlowBinding(raw: Raw): PhoneNumberFlowBindingProperties {
  checkVersion(raw);
  return {
    FormatVersion: FORMAT_VERSION,
    PhoneNumberArn: str(raw.PhoneNumberArn) as string,
    ContactFlowArn: str(raw.ContactFlowArn) as string,
    PhoneNumberTargetArn: str(raw.PhoneNumberTargetArn),
    TakeOver: str(raw.TakeOver)?.toLowerCase(),
  };
}

export function upgradeVoiceConnectorNumbers(raw: Raw, defaultRegion = process.env.AWS_REGION): VoiceConnectorNumbersProperties {
  checkVersion(raw);
  const numbers = raw.PhoneNumbers;
  return {
    FormatVersion: FORMAT_VERSION,
    VoiceConnectorId: str(raw.VoiceConnectorId) as string,
    PhoneNumbers: Array.isArray(numbers)
      ? numbers.map((n) => String(n))
      : typeof numbers === 'string'
        ? numbers
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n.length > 0)
        : (numbers as string[]),
    ForceAssociate: (str(raw.ForceAssociate) ?? 'false').toLowerCase(),
    Region: (str(raw.Region) ?? defaultRegion) as string,
  };
}
