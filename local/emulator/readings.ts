/**
 * The readings of service behaviours no public source settles (types.ts `ServiceReadings`,
 * docs/service-facts.md "Readings"): their defaults, their names for the CLI, and the model patterns
 * two of them change.
 */
import type { OperationModel } from './model';
import type { ServiceReadings } from './types';

export type Readings = Required<ServiceReadings>;

/** Every reading's values, the default first. */
export const READING_VALUES: { readonly [K in keyof Readings]: readonly Readings[K][] } = {
  unfilteredListTdgNumbers: ['listed', 'omitted'],
  prefixWithoutPlus: ['accepted', 'refused'],
  longPrefix: ['refused', 'accepted'],
  failedClaimRelease: ['instant', 'release'],
  disassociateNotAssociated: ['NotFound', 'Validation'],
  voiceConnectorId: ['nonEmpty', 'strict'],
};

export const DEFAULT_READINGS: Readings = Object.fromEntries(
  Object.entries(READING_VALUES).map(([k, values]) => [k, values[0]]),
) as unknown as Readings;

/** The readings in force: the defaults, then `given`; an unknown name or value is an error naming the choices. */
export function resolveReadings(given: ServiceReadings = {}): Readings {
  for (const [name, value] of Object.entries(given)) {
    const values = (READING_VALUES as Record<string, readonly string[]>)[name];
    if (!values) throw new Error(`unknown reading '${name}'; readings: ${Object.keys(READING_VALUES).join(', ')}`);
    if (value !== undefined && !values.includes(value as string)) {
      throw new Error(`reading ${name} cannot be '${String(value)}'; use one of: ${values.join(', ')}`);
    }
  }
  return { ...DEFAULT_READINGS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

/** The 'strict' reading's VoiceConnectorId: 21-22 lowercase alphanumerics (e.g. 'abcdef1ghij2klmno3pqr4'), or a UUID. */
export const STRICT_VOICE_CONNECTOR_ID_PATTERN = '^([a-z0-9]{21,22}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$';
/** PhoneNumberPrefix as the botocore model writes it, with no anchors (the 'accepted' reading of longPrefix). */
export const UNANCHORED_PREFIX_PATTERN = '\\+?[0-9]{1,11}';

/** The patterns a reading puts in place of the extract's: member name -> pattern. */
function patternOverrides(readings: Readings): Record<string, string> {
  const out: Record<string, string> = {};
  if (readings.voiceConnectorId === 'strict') out.VoiceConnectorId = STRICT_VOICE_CONNECTOR_ID_PATTERN;
  if (readings.longPrefix === 'accepted') out.PhoneNumberPrefix = UNANCHORED_PREFIX_PATTERN;
  return out;
}

/** The operation's model as the readings have it (top-level input members only; the extract is left alone). */
export function modelUnder(readings: Readings, op: OperationModel): OperationModel {
  const overrides = Object.entries(patternOverrides(readings)).filter(([name]) => op.input[name] !== undefined);
  if (overrides.length === 0) return op;
  const input = { ...op.input };
  for (const [name, pattern] of overrides) input[name] = { ...input[name], pattern };
  return { ...op, input };
}
