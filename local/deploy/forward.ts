/**
 * The forward deploy: a stack create or update, each custom resource in dependency order (independent
 * ones in parallel, up to the deployment's concurrency). A new resource is created, one whose resolved
 * properties (ServiceToken aside) changed is updated (a new physical id in the answer makes it a
 * replacement), any other is left. Then the update's cleanup phase (./cleanup.ts); on the first failure,
 * the rollback (./rollback.ts).
 */
import { StackStatusError, TemplateError } from './errors';
import { jsonEqual, resolveProperties } from './intrinsics';
import { cleanupPhase, cleanupPlan } from './cleanup';
import { rollBack } from './rollback';
import {
  DELETION_POLICIES,
  UPDATE_REPLACE_POLICIES,
  policiesOf,
  withoutServiceToken,
  type Attempt,
  type DeployRun,
  type Deployment,
  type Props,
} from './run';
import { runGraph } from './schedule';
import { customDependencies, customResourceOrder, isCustomResource } from './template';
import type { CfnTemplate, DeployedResource, DeployResult, StackStatus, TemplateResource } from './types';

/** Statuses CloudFormation refuses an update in; the stack has to be deleted (or the rollback continued) first. */
const BLOCKING_STATUSES: ReadonlySet<StackStatus> = new Set([
  'ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'DELETE_FAILED',
  'CREATE_FAILED',
]);

function validatePolicies(id: string, resource: TemplateResource): void {
  if (resource.DeletionPolicy !== undefined && !DELETION_POLICIES.includes(resource.DeletionPolicy)) {
    throw new TemplateError(
      `${id} has DeletionPolicy ${JSON.stringify(resource.DeletionPolicy)}; expected one of ${DELETION_POLICIES.join(', ')}`,
    );
  }
  if (resource.UpdateReplacePolicy !== undefined && !UPDATE_REPLACE_POLICIES.includes(resource.UpdateReplacePolicy)) {
    throw new TemplateError(
      `${id} has UpdateReplacePolicy ${JSON.stringify(resource.UpdateReplacePolicy)}; expected one of ${UPDATE_REPLACE_POLICIES.join(', ')}`,
    );
  }
}

function validate(d: Deployment, template: CfnTemplate): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    const before = d.record.state.get(id);
    if (before && before.type !== resource.Type) {
      throw new TemplateError(`Update of resource type is not permitted: ${id} was ${before.type}, is now ${resource.Type}`);
    }
    if (isCustomResource(resource) && resource.Condition !== undefined) {
      throw new TemplateError(`${id} has a Condition; conditions are not supported by the local deployer`);
    }
    validatePolicies(id, resource);
  }
}

/** Creates the stack (no template deployed yet) or updates it to `template`. Rejects with DeployFailedError after a rollback. */
export async function deployTemplate(d: Deployment, template: CfnTemplate): Promise<DeployResult> {
  const { record } = d;
  validate(d, template);
  if (record.status !== undefined && BLOCKING_STATUSES.has(record.status)) {
    throw new StackStatusError(record.stackId, record.status, 'Delete the stack (destroy()) and deploy again.');
  }
  const previousTemplate = record.template;
  const creating = previousTemplate === undefined;
  if (creating) record.prepareCreate();
  else record.touch();
  const previous = new Map(record.state);
  const current = new Map(previous);
  const run: DeployRun = {
    template,
    phase: creating ? 'create' : 'update',
    previous,
    current,
    attempts: [],
    unchanged: [],
    // After prepareCreate: a stack created anew resolves AWS::StackId to its new id.
    ctx: d.requests.resolveContext(template, current),
  };
  const order = customResourceOrder(template);
  const deps = customDependencies(template);

  record.visibleTemplate = template;
  record.listNonCustom(template);
  record.setStatus(creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', 'User Initiated');

  const forward = await runGraph(
    order,
    (id) => deps.get(id) ?? [],
    (id) => applyResource(d, run, id),
    {
      concurrency: d.concurrency,
      stopOnFailure: true,
    },
  );
  if (forward.failed.length > 0) return rollBack(d, run, previousTemplate);

  const { cleanup, deleted } = cleanupPlan(run);
  const cleanupFailures = previousTemplate ? await cleanupPhase(d, previousTemplate, cleanup) : [];

  record.settle(template, current);
  record.rebuildView(template, current);
  record.setStatus(creating ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
  const ids = (kind: Attempt['kind']) => run.attempts.filter((a) => a.kind === kind).map((a) => a.logicalId);
  return {
    operation: creating ? 'create' : 'update',
    created: ids('create'),
    updated: [...ids('update'), ...ids('replace')].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    replaced: ids('replace'),
    unchanged: run.unchanged,
    deleted,
    cleanupFailures,
  };
}

/**
 * The forward step for one custom resource: Create it if it is new, Update it if its properties
 * (ServiceToken aside) changed, else leave it. False when it failed; the failure is in run.attempts.
 */
async function applyResource(d: Deployment, run: DeployRun, logicalId: string): Promise<boolean> {
  const resource = run.template.Resources[logicalId];
  const before = run.previous.get(logicalId);
  const properties = propertiesToSend(d, run, logicalId, before);
  if (properties === undefined) return false;
  if (!before) return createResource(d, run, logicalId, properties);
  if (jsonEqual(withoutServiceToken(before.properties), withoutServiceToken(properties))) {
    run.current.set(logicalId, { ...before, ...policiesOf(resource) });
    run.unchanged.push(logicalId);
    return true;
  }
  return updateResource(d, run, logicalId, before, properties);
}

/** The properties of a resource as sent; throws what keeps them from being sent. */
function resolvedProperties(run: DeployRun, logicalId: string, before: DeployedResource | undefined): Props {
  const properties = resolveProperties(run.template.Resources[logicalId].Properties, run.ctx);
  if (typeof properties.ServiceToken !== 'string' || properties.ServiceToken === '') {
    throw new TemplateError(`${logicalId} has no ServiceToken`);
  }
  if (before && properties.ServiceToken !== before.properties.ServiceToken) {
    throw new Error('Modifying service token is not allowed.');
  }
  return properties;
}

/**
 * A resource's properties resolved for its request, or undefined when they cannot be sent (an intrinsic
 * that does not resolve, no ServiceToken, a changed ServiceToken): the resource is then marked failed
 * and the failure recorded, with no request sent.
 */
function propertiesToSend(d: Deployment, run: DeployRun, logicalId: string, before: DeployedResource | undefined): Props | undefined {
  const resource = run.template.Resources[logicalId];
  try {
    return resolvedProperties(run, logicalId, before);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (before) {
      d.record.mark(logicalId, resource.Type, 'UPDATE_FAILED', before.physicalResourceId);
      run.attempts.push({ kind: 'updateFailed', logicalId, before, properties: before.properties, reason, sent: false });
    } else {
      d.record.mark(logicalId, resource.Type, 'CREATE_FAILED');
      run.attempts.push({
        kind: 'createFailed',
        logicalId,
        type: resource.Type,
        physicalResourceId: '',
        properties: {},
        reason,
        deletionPolicy: resource.DeletionPolicy,
      });
    }
    return undefined;
  }
}

async function createResource(d: Deployment, run: DeployRun, logicalId: string, properties: Props): Promise<boolean> {
  const resource = run.template.Resources[logicalId];
  const outcome = await d.requests.send(run.phase, d.requests.event('Create', logicalId, resource.Type, properties));
  if (outcome.status === 'FAILED') {
    run.attempts.push({
      kind: 'createFailed',
      logicalId,
      type: resource.Type,
      physicalResourceId: outcome.physicalResourceId,
      properties,
      reason: outcome.reason ?? '',
      deletionPolicy: resource.DeletionPolicy,
    });
    return false;
  }
  const after: DeployedResource = {
    logicalId,
    type: resource.Type,
    physicalResourceId: outcome.physicalResourceId,
    data: outcome.data,
    properties,
    ...policiesOf(resource),
  };
  run.current.set(logicalId, after);
  run.attempts.push({ kind: 'create', logicalId, after });
  return true;
}

/** An Update; a new physical id in the answer makes it a replacement (the old id is deleted in the cleanup phase). */
async function updateResource(
  d: Deployment,
  run: DeployRun,
  logicalId: string,
  before: DeployedResource,
  properties: Props,
): Promise<boolean> {
  const resource = run.template.Resources[logicalId];
  const event = d.requests.event('Update', logicalId, resource.Type, properties, before.physicalResourceId, before.properties);
  const outcome = await d.requests.send(run.phase, event);
  if (outcome.status === 'FAILED') {
    run.attempts.push({ kind: 'updateFailed', logicalId, before, properties, reason: outcome.reason ?? '', sent: true });
    return false;
  }
  const after: DeployedResource = {
    ...before,
    ...policiesOf(resource),
    physicalResourceId: outcome.physicalResourceId,
    data: outcome.data,
    properties,
  };
  run.current.set(logicalId, after);
  run.attempts.push({ kind: outcome.physicalResourceId === before.physicalResourceId ? 'update' : 'replace', logicalId, before, after });
  return true;
}
