/**
 * Input checks generated from the model extract: required members, types, lengths, patterns, ranges, enums.
 * Smithy patterns are ECMAScript regexes applied unanchored (RegExp.test); the `length` of a string
 * counts Unicode code points.
 */
import type { MemberShape, OperationModel } from './model';

const regexCache = new Map<string, RegExp>();

/**
 * Compiles a model pattern. The Connect model double-escapes its PhoneNumber patterns
 * (`^\\+[1-9]\\d{1,14}$` in the JSON text means backslash-backslash): the intended pattern has
 * single escapes, so a doubled backslash is folded into one. Patterns with `\p{..}` need the `u` flag;
 * patterns with identity escapes such as `\,` are invalid with it, hence the fallback.
 */
export function compilePattern(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) return cached;
  const fixed = pattern.replace(/\\\\/g, '\\');
  let re: RegExp;
  try {
    re = new RegExp(fixed, 'u');
  } catch {
    re = new RegExp(fixed);
  }
  regexCache.set(pattern, re);
  return re;
}

function describe(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

type Fail = (constraint: string) => void;

/** A checker of one shape type: `fail` records a broken constraint; `path` and `problems` are for nested members. */
type Checker = (path: string, shape: MemberShape, value: unknown, fail: Fail, problems: string[]) => void;

/** The model's length bounds, applied to a string's code points or a list's or map's entries. */
function checkLength(count: number, length: MemberShape['length'], fail: Fail): void {
  if (length?.min !== undefined && count < length.min) fail(`Member must have length greater than or equal to ${length.min}`);
  if (length?.max !== undefined && count > length.max) fail(`Member must have length less than or equal to ${length.max}`);
}

const isMapLike = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const checkString: Checker = (_path, shape, value, fail) => {
  if (typeof value !== 'string') return fail('Member must be a string');
  checkLength([...value].length, shape.length, fail);
  if (shape.pattern && !compilePattern(shape.pattern).test(value)) {
    fail(`Member must satisfy regular expression pattern: ${shape.pattern.replace(/\\\\/g, '\\')}`);
  }
  if (shape.type === 'enum' && shape.values && !shape.values.includes(value)) {
    const shown = shape.values.length > 12 ? `${shape.values.slice(0, 12).join(', ')}, ...` : shape.values.join(', ');
    fail(`Member must satisfy enum value set: [${shown}]`);
  }
};

const checkInteger: Checker = (_path, shape, value, fail) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail('Member must be an integer');
  if (shape.range?.min !== undefined && value < shape.range.min) fail(`Member must have value greater than or equal to ${shape.range.min}`);
  if (shape.range?.max !== undefined && value > shape.range.max) fail(`Member must have value less than or equal to ${shape.range.max}`);
};

const checkList: Checker = (path, shape, value, fail, problems) => {
  if (!Array.isArray(value)) return fail('Member must be a list');
  checkLength(value.length, shape.length, fail);
  if (shape.member) value.forEach((v, i) => checkValue(`${path}.${i + 1}.member`, shape.member as MemberShape, v, problems));
};

const checkMap: Checker = (path, shape, value, fail, problems) => {
  if (!isMapLike(value)) return fail('Member must be a map');
  const entries = Object.entries(value);
  checkLength(entries.length, shape.length, fail);
  for (const [k, v] of entries) {
    if (shape.key) checkValue(`${path}.key`, shape.key, k, problems);
    if (shape.value) checkValue(`${path}.${k}.value`, shape.value, v, problems);
  }
};

const checkStructure: Checker = (path, shape, value, fail, problems) => {
  if (!isMapLike(value)) return fail('Member must be a structure');
  if (shape.members) checkMembers(path, shape.members, value, problems);
};

/** The checker of each shape type; other types (timestamp) are not checked. */
const CHECKERS: ReadonlyMap<string, Checker> = new Map<string, Checker>([
  ['string', checkString],
  ['enum', checkString],
  ['integer', checkInteger],
  ['long', checkInteger],
  [
    'boolean',
    (_path, _shape, value, fail) => {
      if (typeof value !== 'boolean') fail('Member must be a boolean');
    },
  ],
  ['list', checkList],
  ['map', checkMap],
  ['structure', checkStructure],
]);

function checkValue(path: string, shape: MemberShape, value: unknown, problems: string[]): void {
  const fail: Fail = (constraint) => problems.push(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: ${constraint}`);
  CHECKERS.get(shape.type)?.(path, shape, value, fail, problems);
}

function checkMembers(prefix: string, members: Record<string, MemberShape>, input: Record<string, unknown>, problems: string[]): void {
  for (const [name, shape] of Object.entries(members)) {
    const path = prefix ? `${prefix}.${lowerFirst(name)}` : lowerFirst(name);
    const value = input[name];
    if (value === undefined || value === null) {
      if (shape.required) problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    checkValue(path, shape, value, problems);
  }
}

/** Returns an AWS-style validation message, or undefined when the input satisfies the model. */
export function validateInput(op: OperationModel, input: Record<string, unknown>): string | undefined {
  const problems: string[] = [];
  checkMembers('', op.input, input, problems);
  if (problems.length === 0) return undefined;
  return `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`;
}

/**
 * Converts query-string values to the member types of the model (integers, booleans, lists).
 * Returns an error message for values that cannot be converted.
 */
export function coerceQueryValue(shape: MemberShape, values: string[]): { value: unknown } | { error: string } {
  if (shape.type === 'list') return { value: values };
  const raw = values[values.length - 1];
  if (shape.type === 'integer' || shape.type === 'long') {
    if (!/^-?\d+$/.test(raw)) return { error: `Value '${raw}' is not a valid integer` };
    return { value: Number(raw) };
  }
  if (shape.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') return { error: `Value '${raw}' is not a valid boolean` };
    return { value: raw === 'true' };
  }
  return { value: raw };
}
