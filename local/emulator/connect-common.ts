/**
 * What the Connect stand-in's operations (./connect.ts) share: finding instances, targets and numbers,
 * the quota of numbers per target, idempotent client tokens, and the asynchronous status transitions
 * of claims, imports and moves. The behaviours and their sources are listed in ./connect.ts.
 */
import type { Handler, OperationContext, OperationResult } from './context';
import { connectErrors as E, validationError } from './errors';
import { parseArn, parseInstanceArn, parsePhoneNumberArn, parseTdgArn } from './arns';
import type { ConnectNumber, Instance } from './state';

// ---- lookups ------------------------------------------------------------------------------------

/** Instance by id or ARN, in the request's account and region. */
function findInstance(ctx: OperationContext, idOrArn: string): Instance | undefined {
  if (idOrArn.startsWith('arn:')) {
    const p = parseInstanceArn(idOrArn);
    if (!p || p.region !== ctx.region || p.accountId !== ctx.accountId) return undefined;
    return ctx.rs.instances.get(p.instanceId);
  }
  return ctx.rs.instances.get(idOrArn);
}

export function requireInstance(ctx: OperationContext, idOrArn: string): Instance {
  const inst = findInstance(ctx, idOrArn);
  if (!inst) throw E.notFound(`Instance not found: ${idOrArn}`);
  return inst;
}

export interface Target {
  readonly arn: string;
  readonly kind: 'instance' | 'tdg';
  readonly instanceId?: string;
  /** The region that owns the target (a TDG named from its alternate region is owned by the other one). */
  readonly homeRegion: string;
}

/**
 * Resolves TargetArn / InstanceId (exactly one) to a target in the request's region. With
 * `alternateRegion`, a TDG ARN is also accepted from the TDG's alternate region (Search and ListV2).
 */
export function resolveTarget(
  ctx: OperationContext,
  input: Record<string, unknown>,
  notFound: (m: string) => Error,
  optional = false,
  alternateRegion = false,
): Target | undefined {
  const targetArn = input.TargetArn as string | undefined;
  const instanceId = input.InstanceId as string | undefined;
  if (targetArn !== undefined && instanceId !== undefined) {
    throw E.invalidParameter('Specify either InstanceId or TargetArn, not both.');
  }
  if (targetArn === undefined && instanceId === undefined) {
    if (optional) return undefined;
    throw E.invalidParameter('You must enter InstanceId or TargetArn.');
  }
  if (instanceId !== undefined) {
    const inst = findInstance(ctx, instanceId);
    if (!inst) throw notFound(`Instance not found: ${instanceId}`);
    return { arn: inst.arn, kind: 'instance', instanceId: inst.id, homeRegion: ctx.region };
  }
  return targetOfArn(ctx, targetArn as string, notFound, alternateRegion);
}

/** The instance or TDG a TargetArn names (see resolveTarget). */
function targetOfArn(ctx: OperationContext, targetArn: string, notFound: (m: string) => Error, alternateRegion: boolean): Target {
  const p = parseArn(targetArn);
  if (!p || p.service !== 'connect') throw E.invalidParameter(`TargetArn is not a valid Amazon Connect ARN: ${targetArn}`);
  const inThisRegion = p.region === ctx.region && p.accountId === ctx.accountId;
  const instanceId = parseInstanceArn(targetArn)?.instanceId;
  if (inThisRegion && instanceId !== undefined && ctx.rs.instances.has(instanceId)) {
    return { arn: targetArn, kind: 'instance', instanceId, homeRegion: ctx.region };
  }
  const tdgId = parseTdgArn(targetArn)?.tdgId;
  if (inThisRegion && tdgId !== undefined && ctx.rs.tdgs.has(tdgId)) return { arn: targetArn, kind: 'tdg', homeRegion: ctx.region };
  if (alternateRegion && p.accountId === ctx.accountId && ctx.state.tdgByArn(targetArn)?.alternateRegion === ctx.region) {
    return { arn: targetArn, kind: 'tdg', homeRegion: p.region };
  }
  throw notFound(`Target not found in ${ctx.region}: ${targetArn}`);
}

/**
 * A claimed number by UUID or full ARN. A UUID finds only numbers claimed in the request's region;
 * a full ARN also finds a TDG number from the TDG's alternate region.
 */
export function findNumber(ctx: OperationContext, idOrArn: string): ConnectNumber | undefined {
  const numbers = ctx.state.accountNumbers(ctx.accountId);
  if (idOrArn.startsWith('arn:')) {
    const p = parsePhoneNumberArn(idOrArn);
    if (!p || p.accountId !== ctx.accountId) return undefined;
    const n = numbers.get(p.phoneNumberId);
    if (!n || n.region !== p.region) return undefined;
    return ctx.state.visibleRegions(n).includes(ctx.region) ? n : undefined;
  }
  const n = numbers.get(idOrArn);
  return n && n.region === ctx.region ? n : undefined;
}

export function requireNumber(ctx: OperationContext, idOrArn: string): ConnectNumber {
  const n = findNumber(ctx, idOrArn);
  if (!n) throw E.notFound(`Phone number not found: ${idOrArn}`);
  return n;
}

/** The numbers claimed to a target that count toward its quota: every one but FAILED ones. */
export function heldBy(ctx: OperationContext, targetArn: string, except?: ConnectNumber): number {
  let count = 0;
  for (const n of ctx.state.accountNumbers(ctx.accountId).values()) {
    if (n !== except && n.targetArn === targetArn && statusOf(n) !== 'FAILED') count++;
  }
  return count;
}

export function quotaMessage(ctx: OperationContext, targetArn: string): string {
  return `The target ${targetArn} has reached its limit of total claimed numbers (${ctx.phoneNumbersPerTarget}).`;
}

export function statusOf(n: ConnectNumber): 'IN_PROGRESS' | 'CLAIMED' | 'FAILED' {
  return n.pending ? 'IN_PROGRESS' : n.status;
}

export function requireNotInProgress(n: ConnectNumber): void {
  if (statusOf(n) === 'IN_PROGRESS') {
    throw E.resourceInUse(`Phone number ${n.id} has an operation in progress; try again when its status is no longer IN_PROGRESS.`, n.id);
  }
}

export function requireClaimRegion(ctx: OperationContext, n: ConnectNumber, operation: string): void {
  if (n.region !== ctx.region) {
    throw E.invalidParameter(`${operation} must be called in the region where the number was claimed (${n.region}).`);
  }
}

/** The instance a target routes to (the TDG's instance for a TDG). */
export function targetInstanceId(ctx: OperationContext, targetArn: string): string | undefined {
  const instanceId = parseInstanceArn(targetArn)?.instanceId;
  if (instanceId !== undefined) return instanceId;
  const tdg = ctx.state.tdgByArn(targetArn);
  return tdg && parseInstanceArn(tdg.instanceArn)?.instanceId;
}

// ---- idempotency ------------------------------------------------------------------------------

function fingerprint(input: Record<string, unknown>): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  const rest = { ...input };
  delete rest.ClientToken;
  return JSON.stringify(canon(rest));
}

/**
 * ClientToken idempotency, scoped per account, region and operation: same token and same request
 * replays the first successful result without doing anything; same token and a different request is
 * IdempotencyException. Failed calls do not record their token.
 */
/** The ClientToken pattern the API reference gives (docs/service-facts.md); the model extract has only a length. */
export const CLIENT_TOKEN_PATTERN = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

export function idempotent(operation: string, fn: Handler): Handler {
  return (ctx, input) => {
    const token = input.ClientToken as string | undefined;
    if (token !== undefined && !CLIENT_TOKEN_PATTERN.test(token)) {
      throw validationError(
        'connect',
        `1 validation error detected: Value '${token.length > 80 ? `${token.slice(0, 77)}...` : token}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ${CLIENT_TOKEN_PATTERN.source}`,
      );
    }
    if (token === undefined) return fn(ctx, input);
    const key = `${operation}\u0000${token}`;
    const fp = fingerprint(input);
    let prior = ctx.rs.idempotency.get(key);
    if (prior && ctx.now - prior.at >= ctx.tokenTtlMs) {
      // Expired (tokenTtlMs): the token starts a new request.
      ctx.rs.idempotency.delete(key);
      prior = undefined;
    }
    if (prior) {
      if (prior.fingerprint !== fp) {
        throw E.idempotency(`The ClientToken ${token} was already used with different parameters for ${operation}.`);
      }
      return prior.output as OperationResult;
    }
    const output = fn(ctx, input);
    ctx.rs.idempotency.set(key, { fingerprint: fp, output, at: ctx.now });
    return output;
  };
}

// ---- async transitions --------------------------------------------------------------------------

export function startTransition(
  ctx: OperationContext,
  n: ConnectNumber,
  operation: 'ClaimPhoneNumber' | 'ImportPhoneNumber' | 'UpdatePhoneNumber' | 'UpdatePhoneNumberMetadata',
  revert?: () => void,
  failure?: string,
): void {
  const fail = ctx.faults.take('asyncFail', operation, n.phoneNumber);
  if (fail) ctx.consumedFaults.push('asyncFail');
  n.status = 'IN_PROGRESS';
  n.message = undefined;
  // An import settles like a claim (both bring a number into the instance): claimDelayMs.
  const delay = {
    ClaimPhoneNumber: ctx.claimDelayMs,
    ImportPhoneNumber: ctx.claimDelayMs,
    UpdatePhoneNumber: ctx.moveDelayMs,
    UpdatePhoneNumberMetadata: ctx.asyncDelayMs,
  };
  n.pending = {
    until: ctx.now + delay[operation],
    outcome: fail || failure !== undefined ? 'FAILED' : 'CLAIMED',
    message: failure ?? (fail ? (fail.message ?? `${operation} failed for ${n.phoneNumber}.`) : undefined),
    revert,
    isClaim: operation === 'ClaimPhoneNumber' || operation === 'ImportPhoneNumber',
  };
  ctx.state.settle();
}
