/**
 * Every setting the handler reads from its environment, in one place: the variable's name, its default,
 * its lower bound and what it is for. One parser reads them all (readSetting), and one function writes
 * them (settingsEnvironment) for every local host of the handler (the contract suite, `npm start`, the
 * deploy tests, the bench), so that a name is spelled once.
 *
 * None of them is set by the constructs: in a deployed stack every setting has its default. They exist
 * so that tests and the stand-ins can run the handler's waits and backoffs in milliseconds.
 *
 * Rules of the parser:
 * - unset, or set to the empty string: the default;
 * - otherwise a whole number of milliseconds at or above the setting's minimum; anything else (a unit,
 *   a negative or fractional number, `NaN`) throws SettingInvalidError naming the variable, the value
 *   and the fix, rather than silently running with the production default;
 * - a variable named `PHONE_NUMBERS_*` that is not one of the settings (a typo) throws SettingUnknownError
 *   at the start of every invocation (checkSettings), naming the closest setting.
 */
import { PhoneNumbersError } from './errors';

export interface SettingSpec {
  /** The environment variable. */
  readonly env: string;
  /** Milliseconds when the variable is unset or empty. */
  readonly defaultMs: number;
  /** The smallest value accepted. */
  readonly minMs: number;
  /** What it controls (README "Handler settings" lists the same). */
  readonly description: string;
}

const ENV_PREFIX = 'PHONE_NUMBERS_';

/** The settings, by name. Their defaults are the production behaviour. */
export const SETTINGS = {
  /** Base of every backoff (SDK retries after throttling or a transient error, and the handler's own). */
  retryBaseDelayMs: {
    env: 'PHONE_NUMBERS_RETRY_BASE_DELAY_MS',
    defaultMs: 500,
    minMs: 0,
    description: 'base of every retry backoff (lambda/clients.ts)',
  },
  /** Longest wait for one HTTP answer from a service. */
  requestTimeoutMs: {
    env: 'PHONE_NUMBERS_REQUEST_TIMEOUT_MS',
    defaultMs: 20_000,
    minMs: 1,
    description: 'longest wait for one HTTP answer (lambda/clients.ts)',
  },
  /** How long an event may run (since its onEvent) before it undoes what it did and fails. */
  completionTimeoutMs: {
    env: 'PHONE_NUMBERS_COMPLETION_TIMEOUT_MS',
    defaultMs: 30 * 60_000,
    minMs: 0,
    description: "an event's completion deadline, before the Provider's 45-minute waiter (lambda/deadline.ts)",
  },
  /** How long one invocation waits for a claim or a release it made to settle (0: not at all). */
  settleWaitMs: {
    env: 'PHONE_NUMBERS_SETTLE_WAIT_MS',
    defaultMs: 3 * 60_000,
    minMs: 0,
    description:
      'longest wait inside one invocation for a claim or a release to settle; 0 turns it off (lambda/resources/claimed-phone-number/settle-wait.ts)',
  },
  /** How often that wait checks. */
  settlePollMs: {
    env: 'PHONE_NUMBERS_SETTLE_POLL_MS',
    defaultMs: 5_000,
    minMs: 1,
    description: 'how often that wait checks (lambda/resources/claimed-phone-number/settle-wait.ts)',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
/** Values for some settings, in milliseconds, as a local host of the handler chooses them. */
export type Settings = Partial<Record<SettingName, number>>;

/** A setting's variable holds something that is not a whole number of milliseconds at or above its minimum. */
export class SettingInvalidError extends PhoneNumbersError {
  constructor(spec: SettingSpec, raw: string) {
    super(
      'SettingInvalidError',
      `${spec.env}=${JSON.stringify(raw)} is not a valid setting: it takes a whole number of milliseconds of at least ${spec.minMs} ` +
        `(${spec.description}). Set it to a number such as ${spec.defaultMs}, or unset it for the default (${spec.defaultMs}).`,
    );
  }
}

/** A `PHONE_NUMBERS_*` variable that is no setting of the handler: most likely a typo. */
export class SettingUnknownError extends PhoneNumbersError {
  constructor(names: string[]) {
    const hints = names.map((name) => `${name} (did you mean ${closestSetting(name)}?)`);
    super(
      'SettingUnknownError',
      `${hints.join(', ')} ${names.length === 1 ? 'is' : 'are'} not a setting of the cdk-phone-numbers handler. ` +
        `Its settings are ${ALL_ENV_NAMES.join(', ')}: rename the variable, or remove it.`,
    );
  }
}

const ALL_ENV_NAMES: readonly string[] = Object.values(SETTINGS).map((s) => s.env);

/** Levenshtein distance, for the "did you mean" of an unknown variable. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function closestSetting(name: string): string {
  return [...ALL_ENV_NAMES].sort((x, y) => distance(name, x) - distance(name, y))[0];
}

/** The value of one setting, read from the environment now (tests change it between calls). */
export function readSetting(name: SettingName, env: NodeJS.ProcessEnv = process.env): number {
  const spec: SettingSpec = SETTINGS[name];
  const raw = env[spec.env];
  if (raw === undefined || raw.trim() === '') return spec.defaultMs;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < spec.minMs) throw new SettingInvalidError(spec, raw);
  return value;
}

/**
 * Checks the whole environment once per invocation: every setting parses, and no `PHONE_NUMBERS_*`
 * variable is unknown. Throws the first problem found, before any AWS call.
 */
export function checkSettings(env: NodeJS.ProcessEnv = process.env): void {
  const unknown = Object.keys(env).filter((key) => key.startsWith(ENV_PREFIX) && !ALL_ENV_NAMES.includes(key));
  if (unknown.length > 0) throw new SettingUnknownError(unknown.sort());
  for (const name of Object.keys(SETTINGS) as SettingName[]) readSetting(name, env);
}

/**
 * The environment variables that give the handler these settings (the others keep their defaults).
 * Every local host of the handler builds its environment with this, never with the names by hand.
 */
export function settingsEnvironment(settings: Settings): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings) as [SettingName, number | undefined][]) {
    if (value === undefined) continue;
    const spec: SettingSpec = SETTINGS[name];
    if (!Number.isSafeInteger(value) || value < spec.minMs) throw new SettingInvalidError(spec, String(value));
    vars[spec.env] = String(value);
  }
  return vars;
}
