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

function checkValue(path: string, shape: MemberShape, value: unknown, problems: string[]): void {
  const fail = (constraint: string) =>
    problems.push(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case 'string':
    case 'enum': {
      if (typeof value !== 'string') return void fail('Member must be a string');
      if (shape.length) {
        const len = [...value].length;
        if (shape.length.min !== undefined && len < shape.length.min) fail(`Member must have length greater than or equal to ${shape.length.min}`);
        if (shape.length.max !== undefined && len > shape.length.max) fail(`Member must have length less than or equal to ${shape.length.max}`);
      }
      if (shape.pattern && !compilePattern(shape.pattern).test(value)) {
        fail(`Member must satisfy regular expression pattern: ${shape.pattern.replace(/\\\\/g, '\\')}`);
      }
      if (shape.type === 'enum' && shape.values && !shape.values.includes(value)) {
        fail(`Member must satisfy enum value set: [${shape.values.length > 12 ? `${shape.values.slice(0, 12).join(', ')}, ...` : shape.values.join(', ')}]`);
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return void fail('Member must be an integer');
      if (shape.range?.min !== undefined && value < shape.range.min) fail(`Member must have value greater than or equal to ${shape.range.min}`);
      if (shape.range?.max !== undefined && value > shape.range.max) fail(`Member must have value less than or equal to ${shape.range.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('Member must be a boolean');
      return;
    case 'list': {
      if (!Array.isArray(value)) return void fail('Member must be a list');
      if (shape.length?.min !== undefined && value.length < shape.length.min) fail(`Member must have length greater than or equal to ${shape.length.min}`);
      if (shape.length?.max !== undefined && value.length > shape.length.max) fail(`Member must have length less than or equal to ${shape.length.max}`);
      if (shape.member) value.forEach((v, i) => checkValue(`${path}.${i + 1}.member`, shape.member as MemberShape, v, problems));
      return;
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return void fail('Member must be a map');
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.length?.min !== undefined && entries.length < shape.length.min) fail(`Member must have length greater than or equal to ${shape.length.min}`);
      if (shape.length?.max !== undefined && entries.length > shape.length.max) fail(`Member must have length less than or equal to ${shape.length.max}`);
      for (const [k, v] of entries) {
        if (shape.key) checkValue(`${path}.key`, shape.key, k, problems);
        if (shape.value) checkValue(`${path}.${k}.value`, shape.value, v, problems);
      }
      return;
    }
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return void fail('Member must be a structure');
      if (shape.members) checkMembers(path, shape.members, value as Record<string, unknown>, problems);
      return;
    }
    default:
      return;
  }
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
