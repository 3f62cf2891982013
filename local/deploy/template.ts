/**
 * Reading templates: from a CDK Stack, a template object or a cdk.out file; the dependency graph
 * (DependsOn plus Ref / Fn::GetAtt / Fn::Sub references) and a topological order.
 */
import * as fs from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import { TemplateError } from './errors';
import type { CfnTemplate, TemplateResource } from './types';

export const CUSTOM_RESOURCE_PREFIX = 'Custom::';

export const isCustomResource = (resource: TemplateResource): boolean =>
  resource.Type.startsWith(CUSTOM_RESOURCE_PREFIX) || resource.Type === 'AWS::CloudFormation::CustomResource';

function isStack(source: unknown): source is Stack {
  return typeof source === 'object' && source !== null && 'templateOptions' in source && 'node' in source;
}

/**
 * The template of a CDK stack (synthesized with aws-cdk-lib/assertions), of a template file
 * (e.g. cdk.out/MyStack.template.json) or a template object (validated and deep-copied).
 */
export function loadTemplate(source: Stack | CfnTemplate | string): CfnTemplate {
  let raw: unknown;
  if (typeof source === 'string') {
    raw = JSON.parse(fs.readFileSync(source, 'utf8'));
  } else if (isStack(source)) {
    // Loaded lazily: only this form needs the assertions module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
    // topologicalOrder rejects cycles itself; the assertions module's own check costs seconds.
    raw = Template.fromStack(source, { skipCyclicalDependenciesCheck: true }).toJSON();
  } else {
    raw = JSON.parse(JSON.stringify(source));
  }
  if (
    typeof raw !== 'object' ||
    raw === null ||
    typeof (raw as CfnTemplate).Resources !== 'object' ||
    (raw as CfnTemplate).Resources === null
  ) {
    throw new TemplateError('the template has no Resources section');
  }
  const template = raw as CfnTemplate;
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (typeof resource?.Type !== 'string') throw new TemplateError(`resource ${id} has no Type`);
  }
  return template;
}

const PSEUDO_PARAMETER = /^AWS::/;

/** Adds `name` to `out` when it names a resource of the template (not a pseudo parameter nor a parameter). */
function addIfResource(name: string, template: CfnTemplate, out: Set<string>): void {
  if (!PSEUDO_PARAMETER.test(name) && Object.prototype.hasOwnProperty.call(template.Resources, name)) out.add(name);
}

/** The resource a Fn::GetAtt names, and the references in its other arguments. */
function getAttReferences(arg: unknown, template: CfnTemplate, out: Set<string>): void {
  const target = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
  if (typeof target === 'string') addIfResource(target, template, out);
  referencedResources(Array.isArray(arg) ? arg.slice(1) : [], template, out);
}

/** The resources a Fn::Sub names in its text (its own variables aside) and in its variables' values. */
function subReferences(arg: unknown, template: CfnTemplate, out: Set<string>): void {
  const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
  const local = new Set(typeof vars === 'object' && vars !== null ? Object.keys(vars) : []);
  if (typeof text === 'string') {
    for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
      const name = match[1].split('.')[0];
      if (!local.has(name)) addIfResource(name, template, out);
    }
  }
  referencedResources(vars, template, out);
}

/** The references of a one-key object when its key is Ref, Fn::GetAtt or Fn::Sub; false for any other object. */
function intrinsicReferences([key, arg]: [string, unknown], template: CfnTemplate, out: Set<string>): boolean {
  if (key === 'Ref' && typeof arg === 'string') addIfResource(arg, template, out);
  else if (key === 'Fn::GetAtt') getAttReferences(arg, template, out);
  else if (key === 'Fn::Sub') subReferences(arg, template, out);
  else return false;
  return true;
}

/** Logical ids of resources that `value` refers to through Ref, Fn::GetAtt or Fn::Sub. */
export function referencedResources(value: unknown, template: CfnTemplate, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedResources(item, template, out);
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && intrinsicReferences(entries[0], template, out)) return out;
    for (const [, v] of entries) referencedResources(v, template, out);
  }
  return out;
}

/** Direct dependencies of every resource: DependsOn and references in Properties. */
export function directDependencies(template: CfnTemplate): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const set = referencedResources(resource.Properties ?? {}, template);
    const dependsOn = resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    for (const d of dependsOn) {
      if (!Object.prototype.hasOwnProperty.call(template.Resources, d)) {
        throw new TemplateError(`resource ${id} DependsOn ${d}, which is not in the template`);
      }
      set.add(d);
    }
    set.delete(id);
    deps.set(id, set);
  }
  return deps;
}

/** Every resource in an order where dependencies come first (ties kept in template order); throws on a cycle. */
export function topologicalOrder(template: CfnTemplate): string[] {
  const deps = directDependencies(template);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') throw new TemplateError(`circular dependency between resources: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(template.Resources)) visit(id, []);
  return order;
}

/**
 * For each custom resource, the custom resources it depends on, directly or through resources the
 * deployer does not run (a custom resource that depends on a Lambda that depends on another custom
 * resource still waits for it).
 */
export function customDependencies(template: CfnTemplate): Map<string, Set<string>> {
  const deps = directDependencies(template);
  const memo = new Map<string, Set<string>>();
  const reach = (id: string): Set<string> => {
    const cached = memo.get(id);
    if (cached) return cached;
    const result = new Set<string>();
    memo.set(id, result);
    for (const d of deps.get(id) ?? []) {
      if (isCustomResource(template.Resources[d])) result.add(d);
      else for (const dd of reach(d)) result.add(dd);
    }
    return result;
  };
  topologicalOrder(template); // rejects cycles before the walk above could loop on them
  const out = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (isCustomResource(resource)) out.set(id, reach(id));
  }
  return out;
}

/** The custom resources of a template, in dependency order. */
export function customResourceOrder(template: CfnTemplate): string[] {
  return topologicalOrder(template).filter((id) => isCustomResource(template.Resources[id]));
}

/**
 * For each custom resource, the custom resources that depend on it, directly or not: what has to be
 * deleted or rolled back before it.
 */
export function customDependents(template: CfnTemplate): Map<string, Set<string>> {
  const deps = customDependencies(template);
  const out = new Map<string, Set<string>>([...deps.keys()].map((id) => [id, new Set<string>()]));
  const visit = (dependent: string, id: string, seen: Set<string>) => {
    for (const d of deps.get(id) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      out.get(d)?.add(dependent);
      visit(dependent, d, seen);
    }
  };
  for (const id of deps.keys()) visit(id, id, new Set());
  return out;
}
