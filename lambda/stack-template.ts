/**
 * Reads the resources of one type out of a stack's template (as GetTemplate returns it), resolving the
 * intrinsic functions CDK writes for this library's properties: Ref (parameters, pseudo parameters,
 * resources), Fn::GetAtt of a ClaimedPhoneNumber's PhoneNumberArn (its physical id is that ARN),
 * Fn::Join, Fn::Select and Fn::Sub. Anything else resolves to UNRESOLVED, and a caller that meets it
 * must assume the value may be anything.
 */
import { ResourceTypes } from './contract';

export const UNRESOLVED: unique symbol = Symbol('unresolved');

export interface Template {
  readonly Resources?: Record<
    string,
    { readonly Type?: string; readonly Properties?: Record<string, unknown>; readonly Condition?: string }
  >;
}

export interface ResolveContext {
  readonly stackId: string;
  readonly parameters: Record<string, string>;
  /** Logical id -> physical id, from DescribeStackResources. */
  readonly physicalIds: Record<string, string>;
}

function pseudo(name: string, ctx: ResolveContext): string | undefined {
  const m = /^arn:([^:]+):cloudformation:([^:]+):(\d+):stack\/([^/]+)\//.exec(ctx.stackId);
  if (!m) return undefined;
  switch (name) {
    case 'AWS::Partition':
      return m[1];
    case 'AWS::Region':
      return m[2];
    case 'AWS::AccountId':
      return m[3];
    case 'AWS::StackName':
      return m[4];
    case 'AWS::StackId':
      return ctx.stackId;
    case 'AWS::URLSuffix':
      return m[1] === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    default:
      return undefined;
  }
}

function ref(name: string, template: Template, ctx: ResolveContext): string | typeof UNRESOLVED {
  const value = name.startsWith('AWS::')
    ? pseudo(name, ctx)
    : (ctx.parameters[name] ?? (template.Resources?.[name] ? ctx.physicalIds[name] : undefined));
  return value === undefined || value === '' ? UNRESOLVED : value;
}

function getAtt(args: unknown, template: Template, ctx: ResolveContext): string | typeof UNRESOLVED {
  const [id, attribute] = typeof args === 'string' ? args.split('.') : Array.isArray(args) ? args : [];
  const type = typeof id === 'string' ? template.Resources?.[id]?.Type : undefined;
  if (type === ResourceTypes.CLAIMED_PHONE_NUMBER && attribute === 'PhoneNumberArn') return ref(id as string, template, ctx);
  return UNRESOLVED;
}

function join(args: unknown, template: Template, ctx: ResolveContext): unknown {
  if (!Array.isArray(args) || typeof args[0] !== 'string') return UNRESOLVED;
  const parts = resolve(args[1], template, ctx);
  if (!Array.isArray(parts) || parts.some((p) => typeof p !== 'string')) return UNRESOLVED;
  return parts.join(args[0]);
}

function select(args: unknown, template: Template, ctx: ResolveContext): unknown {
  if (!Array.isArray(args)) return UNRESOLVED;
  const index = Number(resolve(args[0], template, ctx));
  const list = resolve(args[1], template, ctx);
  return Array.isArray(list) && Number.isInteger(index) && index >= 0 && index < list.length ? list[index] : UNRESOLVED;
}

function sub(args: unknown, template: Template, ctx: ResolveContext): unknown {
  if (typeof args !== 'string') return UNRESOLVED;
  let unresolved = false;
  const text = args.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
    const v = name.includes('.') ? getAtt(name, template, ctx) : ref(name, template, ctx);
    if (v === UNRESOLVED) unresolved = true;
    return v === UNRESOLVED ? '' : v;
  });
  return unresolved ? UNRESOLVED : text;
}

/** What `intrinsic` answers for a one-key object that is no intrinsic function (a plain object). */
const NOT_INTRINSIC = Symbol('not an intrinsic function');

/** The value of the intrinsic function `key` applied to `args`; UNRESOLVED for one not read here. */
function intrinsic(key: string, args: unknown, template: Template, ctx: ResolveContext): unknown {
  switch (key) {
    case 'Ref':
      return typeof args === 'string' ? ref(args, template, ctx) : UNRESOLVED;
    case 'Fn::GetAtt':
      return getAtt(args, template, ctx);
    case 'Fn::Join':
      return join(args, template, ctx);
    case 'Fn::Select':
      return select(args, template, ctx);
    case 'Fn::Sub':
      return sub(args, template, ctx);
    default:
      return key.startsWith('Fn::') || key === 'Condition' ? UNRESOLVED : NOT_INTRINSIC;
  }
}

function resolve(value: unknown, template: Template, ctx: ResolveContext): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map((v) => resolve(v, template, ctx));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const resolved = intrinsic(entries[0][0], entries[0][1], template, ctx);
    if (resolved !== NOT_INTRINSIC) return resolved;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, template, ctx)]));
}

/** The resources of `resourceType` in the template, with resolved properties (ServiceToken left out). */
export function declarationsIn(
  template: Template,
  resourceType: string,
  ctx: ResolveContext,
): Array<{ logicalId: string; properties: Record<string, unknown> }> {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === resourceType)
    .map(([logicalId, r]) => {
      const rest = { ...(r.Properties ?? {}) };
      delete rest.ServiceToken;
      // A resource under a Condition may or may not exist: every value of it is uncertain.
      const properties =
        r.Condition !== undefined
          ? Object.fromEntries(Object.keys(rest).map((k) => [k, UNRESOLVED]))
          : (resolve(rest, template, ctx) as Record<string, unknown>);
      return { logicalId, properties };
    });
}

/** True when `value` (or anything inside it) could not be resolved. */
export function hasUnresolved(value: unknown): boolean {
  if (value === UNRESOLVED) return true;
  if (Array.isArray(value)) return value.some(hasUnresolved);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasUnresolved);
  return false;
}
