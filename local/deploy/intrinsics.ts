/**
 * Resolution of intrinsic functions in resource properties, as CloudFormation does before it sends a
 * request: Ref (parameters, pseudo parameters, resources), Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split,
 * Fn::Sub, Fn::FindInMap, Fn::Base64 and AWS::NoValue. Resources the deployer does not run resolve to
 * placeholder strings; custom resources resolve to their physical id (Ref) and Data (Fn::GetAtt).
 */
import { TemplateError } from './errors';
import { isCustomResource } from './template';
import type { CfnTemplate, DeployedResource, Json } from './types';

export interface ResolveContext {
  readonly template: CfnTemplate;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** A custom resource deployed so far in this operation. */
  deployed(logicalId: string): DeployedResource | undefined;
}

/** A GetAtt named an attribute the custom resource's response did not carry. */
export class AttributeMissingError extends Error {
  constructor(logicalId: string, attribute: string) {
    super(`CustomResource attribute error: Vendor response doesn't contain ${attribute} key in object of ${logicalId}`);
    this.name = 'AttributeMissingError';
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

/** The placeholder Ref of a resource the deployer does not run. */
export function placeholderRef(logicalId: string): string {
  return `local-placeholder-${logicalId}`;
}

/** The placeholder Fn::GetAtt of a resource the deployer does not run (ARN-shaped for `Arn`). */
export function placeholderAttribute(ctx: ResolveContext, logicalId: string, attribute: string): string {
  return attribute === 'Arn' || attribute.endsWith('Arn')
    ? `arn:${ctx.partition}:local-placeholder:${ctx.region}:${ctx.accountId}:${logicalId}`
    : `local-placeholder-${logicalId}.${attribute}`;
}

function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function refValue(name: string, ctx: ResolveContext): Resolved {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::URLSuffix':
      return ctx.urlSuffix;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return ctx.stackId;
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::NotificationARNs':
      return [];
  }
  const parameters = ctx.template.Parameters ?? {};
  if (has(parameters, name)) {
    const declared = parameters[name];
    const value = has(ctx.parameters, name) ? ctx.parameters[name] : declared.Default;
    if (value === undefined) throw new TemplateError(`parameter ${name} has no value and no Default`);
    if (declared.Type.includes('List') && typeof value === 'string') return value.split(',');
    return typeof value === 'string' ? value : String(value);
  }
  if (has(ctx.template.Resources, name)) {
    if (!isCustomResource(ctx.template.Resources[name])) return placeholderRef(name);
    const resource = ctx.deployed(name);
    if (!resource) throw new TemplateError(`Ref to ${name} before it was deployed`);
    return resource.physicalResourceId;
  }
  throw new TemplateError(`Ref to ${name}, which is neither a parameter, a pseudo parameter nor a resource`);
}

function getAtt(logicalId: string, attribute: string, ctx: ResolveContext): Json {
  if (!has(ctx.template.Resources, logicalId)) throw new TemplateError(`Fn::GetAtt on ${logicalId}, which is not in the template`);
  if (!isCustomResource(ctx.template.Resources[logicalId])) return placeholderAttribute(ctx, logicalId, attribute);
  const resource = ctx.deployed(logicalId);
  if (!resource) throw new TemplateError(`Fn::GetAtt on ${logicalId} before it was deployed`);
  if (!has(resource.data, attribute)) throw new AttributeMissingError(logicalId, attribute);
  return resource.data[attribute];
}

function asString(value: Resolved, fn: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${fn} expects a string, got ${JSON.stringify(value)}`);
}

function asList(value: Resolved, fn: string): Json[] {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`${fn} expects a list, got ${JSON.stringify(value)}`);
}

function sub(arg: Json, ctx: ResolveContext): string {
  const [textRaw, varsRaw] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
  const text = asString(resolveValue(textRaw, ctx), 'Fn::Sub');
  const vars: Record<string, Resolved> = {};
  if (varsRaw !== undefined) {
    if (typeof varsRaw !== 'object' || varsRaw === null || Array.isArray(varsRaw))
      throw new TemplateError('Fn::Sub variables must be an object');
    for (const [k, v] of Object.entries(varsRaw)) vars[k] = resolveValue(v, ctx);
  }
  return text.replace(/\$\{([^}]*)\}/g, (_whole, expr: string) => {
    if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
    if (has(vars, expr)) return asString(vars[expr], 'Fn::Sub');
    const dot = expr.indexOf('.');
    if (dot > 0 && !expr.startsWith('AWS::')) return asString(getAtt(expr.slice(0, dot), expr.slice(dot + 1), ctx), 'Fn::Sub');
    return asString(refValue(expr, ctx), 'Fn::Sub');
  });
}

function intrinsic(fn: string, arg: Json, ctx: ResolveContext): Resolved {
  switch (fn) {
    case 'Ref':
      return refValue(asString(arg, 'Ref'), ctx);
    case 'Fn::GetAtt': {
      const [id, ...rest] = Array.isArray(arg)
        ? arg.map((a) => asString(resolveValue(a, ctx), 'Fn::GetAtt'))
        : asString(arg, 'Fn::GetAtt').split('.');
      return getAtt(id, rest.join('.'), ctx);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asList(arg, 'Fn::Join');
      return asList(resolveValue(list, ctx), 'Fn::Join')
        .map((item) => asString(resolveValue(item, ctx), 'Fn::Join'))
        .join(asString(delimiter, 'Fn::Join'));
    }
    case 'Fn::Select': {
      const [index, list] = asList(arg, 'Fn::Select');
      const items = asList(resolveValue(list, ctx), 'Fn::Select');
      const i = Number(resolveValue(index, ctx));
      if (!Number.isInteger(i) || i < 0 || i >= items.length)
        throw new TemplateError(`Fn::Select index ${JSON.stringify(index)} out of range (${items.length} items)`);
      return resolveValue(items[i], ctx);
    }
    case 'Fn::Split': {
      const [delimiter, text] = asList(arg, 'Fn::Split');
      return asString(resolveValue(text, ctx), 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
    }
    case 'Fn::Sub':
      return sub(arg, ctx);
    case 'Fn::FindInMap': {
      const [map, top, second] = asList(arg, 'Fn::FindInMap').map((a) => asString(resolveValue(a, ctx), 'Fn::FindInMap'));
      const value = ctx.template.Mappings?.[map]?.[top]?.[second];
      if (value === undefined) throw new TemplateError(`Fn::FindInMap: ${map}.${top}.${second} is not in Mappings`);
      return value;
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(arg, ctx), 'Fn::Base64'), 'utf8').toString('base64');
    default:
      throw new TemplateError(`intrinsic function ${fn} is not supported by the local deployer`);
  }
}

function resolveValue(value: Json, ctx: ResolveContext): Resolved {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, ctx)).filter((v): v is Json => v !== NO_VALUE);
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return intrinsic(keys[0], value[keys[0]], ctx);
    if (keys.length === 1 && keys[0] === 'Condition') throw new TemplateError('conditions are not supported by the local deployer');
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const v = resolveValue(value[k], ctx);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }
  return value;
}

/**
 * CloudFormation hands custom resources every scalar as a string: numbers and booleans in the
 * template arrive as "42" and "true".
 */
export function stringifyScalars(value: Json): Json {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** The properties of a resource as CloudFormation sends them: intrinsics resolved, scalars as strings. */
export function resolveProperties(properties: Record<string, Json> | undefined, ctx: ResolveContext): Record<string, Json> {
  const resolved = resolveValue(properties ?? {}, ctx);
  return stringifyScalars(resolved === NO_VALUE ? {} : resolved) as Record<string, Json>;
}

/** Deep equality of JSON values, key order ignored. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => has(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
