/**
 * Custom::VoiceConnectorNumbers: which numbers a Chime SDK Voice connector carries.
 *
 * Physical id: derived from the stack, the logical id and the Region, so a connector change is an
 * in-place move and only a Region change is a replacement. A 200 answer is not success for every
 * number: PhoneNumberErrors entries fail the event, after this event's own associations are undone.
 *
 * What one event cannot tell, and how it is known:
 * - Where a number taken with ForceAssociate came from: a tag on the connector it was put on
 *   (`cdk-phone-numbers:taken:DIGITS` = `FROM_CONNECTOR@OWNER`, OWNER a hash of stack and logical id),
 *   written before the take. While the stack rolls back, an Update or Delete that removes the number
 *   puts it back on FROM_CONNECTOR instead of leaving it on none. A tag goes when this resource
 *   removes the number, or is deleted; one of a number still declared stays until the next change.
 * - Whether another VoiceConnectorNumbers of the stack declares a number on the same connector now
 *   (a rename, or a number moved between two resources): the stack's current template (../stack).
 *   Such a number is never disassociated by an Update that drops it or by a Delete; an unresolvable
 *   declaration counts as declaring it (a stale association is recoverable, a dropped line is not).
 */
import {
  AssociatePhoneNumbersWithVoiceConnectorCommand,
  DisassociatePhoneNumbersFromVoiceConnectorCommand,
  GetPhoneNumberCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ChimeSDKVoiceClient,
  type PhoneNumberError,
} from '@aws-sdk/client-chime-sdk-voice';
import { normalizeE164, ResourceTypes, validateVoiceConnectorNumbers, type VoiceConnectorNumbersProperties } from '../contract';
import { errorMessage, isNotFound } from '../aws-errors';
import { chunks, mapLimit } from '../batching';
import { chime } from '../clients';
import { NumbersHeldBySiblingError, VoiceConnectorAssociationFailedError } from '../errors';
import type {
  CreateRequest,
  DeleteRequest,
  IsCompleteRequest,
  IsCompleteResponse,
  OnEventResponse,
  ResourceHandler,
  UpdateRequest,
} from '../events';
import { sha256Hex } from '../identity';
import { log } from '../logger';
import { asRequested, deferred, isPassingFailure, retryRequested } from '../retry-later';
import { isRollingBack, otherDeclarations } from '../stack';
import { hasUnresolved } from '../stack-template';
import { upgradeVoiceConnectorNumbers } from '../upgrade';

type Props = VoiceConnectorNumbersProperties;
type Event = CreateRequest | UpdateRequest | DeleteRequest;

/** Numbers per Associate/Disassociate request (no documented maximum; small enough for any service limit). */
export const BATCH_SIZE = 25;
/** GetPhoneNumber calls in flight at once. */
export const READ_CONCURRENCY = 5;

interface Failure {
  phoneNumber: string;
  code: string;
  message?: string;
}

export const vcPhysicalId = (e: Event, region: string): string =>
  `voice-connector-numbers/${region}/${sha256Hex(e.StackId, e.LogicalResourceId).slice(0, 24)}`;

/** The Region a physical id of this resource type names (undefined for an id of another form). */
const regionOfPhysicalId = (id: string | undefined): string | undefined => /^voice-connector-numbers\/([^/]+)\//.exec(id ?? '')?.[1];

const numbersOf = (p: Props): string[] => p.PhoneNumbers.map(normalizeE164);
const force = (p: Props): boolean => p.ForceAssociate === 'true';

function failuresOf(errors: PhoneNumberError[] | undefined): Failure[] {
  return (errors ?? []).map((x) => ({ phoneNumber: x.PhoneNumberId ?? '?', code: x.ErrorCode ?? 'Unknown', message: x.ErrorMessage }));
}

/** Associates in batches; returns the numbers that failed (the others are associated). */
async function associate(client: ChimeSDKVoiceClient, connectorId: string, numbers: string[], forceAssociate: boolean): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const batch of chunks(numbers, BATCH_SIZE)) {
    const out = await client.send(
      new AssociatePhoneNumbersWithVoiceConnectorCommand({
        VoiceConnectorId: connectorId,
        E164PhoneNumbers: batch,
        ForceAssociate: forceAssociate,
      }),
    );
    failures.push(...failuresOf(out.PhoneNumberErrors));
  }
  log().info('Associated numbers with voice connector', {
    voiceConnectorId: connectorId,
    count: numbers.length,
    failed: failures.length,
    forceAssociate,
  });
  return failures;
}

/**
 * ErrorCodes a Disassociate may give a number that is not on the connector: which one the service gives
 * is unverified (docs/service-facts.md), and each can also mean a real failure, so the number is read.
 */
const MAYBE_NOT_ASSOCIATED = new Set(['Validation', 'BadRequest']);

/** The failures that are real: a number MAYBE_NOT_ASSOCIATED that GetPhoneNumber shows off the connector is done. */
async function confirmed(client: ChimeSDKVoiceClient, connectorId: string, failures: Failure[]): Promise<Failure[]> {
  const doubtful = failures.filter((f) => MAYBE_NOT_ASSOCIATED.has(f.code)).map((f) => f.phoneNumber);
  if (doubtful.length === 0) return failures;
  const now = await connectorsOf(client, doubtful);
  return failures.filter((f) => !MAYBE_NOT_ASSOCIATED.has(f.code) || now.get(f.phoneNumber) === connectorId);
}

/** Disassociates in batches; NotFound entries count as done, Validation and BadRequest ones once confirmed. Returns the other failures. */
async function disassociate(client: ChimeSDKVoiceClient, connectorId: string, numbers: string[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const batch of chunks(numbers, BATCH_SIZE)) {
    const out = await client.send(
      new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: connectorId, E164PhoneNumbers: batch }),
    );
    failures.push(
      ...(await confirmed(
        client,
        connectorId,
        failuresOf(out.PhoneNumberErrors).filter((f) => f.code !== 'NotFound'),
      )),
    );
  }
  log().info('Disassociated numbers from voice connector', {
    voiceConnectorId: connectorId,
    count: numbers.length,
    failed: failures.length,
  });
  return failures;
}

/** The voice connector each number is associated with now (undefined: none, or the number is gone). */
async function connectorsOf(client: ChimeSDKVoiceClient, numbers: string[]): Promise<Map<string, string | undefined>> {
  const found = await mapLimit(numbers, READ_CONCURRENCY, async (n) => {
    try {
      const out = await client.send(new GetPhoneNumberCommand({ PhoneNumberId: n }));
      return out.PhoneNumber?.Associations?.find((a) => a.Name === 'VoiceConnectorId')?.Value;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });
  return new Map(numbers.map((n, i) => [n, found[i]]));
}

const numberSet = (p: Props): Set<string> => new Set(p.PhoneNumbers.map(normalizeE164));

/**
 * Puts `numbers` back where they were before this event (`before`: number -> connector, undefined for
 * none): a number taken from another connector goes back to it, a number that had no connector is
 * disassociated from `connectorId`. Blind but safe: a number this event never moved is already where
 * it was (Associate with its own connector and Disassociate of a number not on `connectorId` change
 * nothing).
 */
async function undo(
  client: ChimeSDKVoiceClient,
  connectorId: string,
  numbers: string[],
  before: Map<string, string | undefined>,
): Promise<void> {
  const back = new Map<string, string[]>();
  const off: string[] = [];
  for (const n of numbers) {
    const previous = before.get(n);
    if (previous === connectorId) continue;
    if (previous === undefined) off.push(n);
    else back.set(previous, [...(back.get(previous) ?? []), n]);
  }
  const failures: Failure[] = [];
  for (const [previous, ns] of back) failures.push(...(await associate(client, previous, ns, true)));
  if (off.length > 0) failures.push(...(await disassociate(client, connectorId, off)));
  if (failures.length > 0) {
    log().error('Could not put every number back where it was; check them by hand', {
      failures: failures.map((f) => `${f.phoneNumber} (${f.code})`),
    });
  }
}

/**
 * Associates the plan's numbers; when some fail, or a call fails outright, puts what this event
 * associated back where it was (see `undo`) and fails the event. A failed Create is never followed by
 * a Delete that could clean up, so the undo must happen here.
 */
async function associateOrUndo(
  e: Event,
  client: ChimeSDKVoiceClient,
  p: Props,
  plan: Array<{ numbers: string[]; force: boolean }>,
  before: Map<string, string | undefined>,
): Promise<void> {
  const failures: Failure[] = [];
  const attempted: string[] = [];
  try {
    for (const step of plan) {
      if (step.numbers.length === 0) continue;
      attempted.push(...step.numbers);
      failures.push(...(await associate(client, p.VoiceConnectorId, step.numbers, step.force)));
    }
  } catch (err) {
    // Whatever the failed call (and the ones before it) applied is unknown: undo every attempted number.
    log().warn('An association call failed; undoing what this event may have associated', { attempted: attempted.length });
    try {
      await undo(client, p.VoiceConnectorId, attempted, before);
    } catch (cleanup) {
      log().error('Could not undo the associations of this event; check them by hand', { error: errorMessage(cleanup) });
    }
    throw err;
  }
  if (failures.length === 0) return;
  const bad = new Set(failures.map((f) => normalizeE164(f.phoneNumber)));
  const succeeded = attempted.filter((n) => !bad.has(n));
  log().warn('Some numbers failed; undoing what this event associated', { failures: failures.length, undo: succeeded.length });
  if (succeeded.length > 0) await undo(client, p.VoiceConnectorId, succeeded, before);
  const held = await heldBySiblings(e, client, p, failures);
  if (held.length > 0 && held.length === failures.length) throw new NumbersHeldBySiblingError(p.VoiceConnectorId, held);
  throw new VoiceConnectorAssociationFailedError('association', p.VoiceConnectorId, failures);
}

/** The ErrorCode of a number refused because it is on another connector (no ForceAssociate). */
const ON_ANOTHER_CONNECTOR = 'PhoneNumberAssociationsExist';

/** Whether a declaration's number list does not have `n` (false when it cannot be resolved). */
function declaresWithout(list: unknown, n: string): boolean {
  const entries = Array.isArray(list) ? list : [list];
  if (entries.some(hasUnresolved)) return false;
  return !entries.some((x) => typeof x === 'string' && normalizeE164(x) === n);
}

/**
 * The refused numbers (PhoneNumberAssociationsExist) that are on another connector which another
 * VoiceConnectorNumbers of the stack declares (same region) without them now: that resource takes them
 * off in this same operation (CloudFormation runs independent resources at once), so they are waited
 * for. Only read when an association was refused. Empty when any refused number is on a connector no
 * resource of the stack declares, or one that still declares it: today's refusal stands.
 */
async function heldBySiblings(
  e: Event,
  client: ChimeSDKVoiceClient,
  p: Props,
  failures: Failure[],
): Promise<Array<{ phoneNumber: string; voiceConnectorId: string; logicalId: string }>> {
  if (failures.length === 0 || failures.some((f) => f.code !== ON_ANOTHER_CONNECTOR)) return [];
  const numbers = failures.map((f) => normalizeE164(f.phoneNumber));
  const others = await otherDeclarations(e.StackId, ResourceTypes.VOICE_CONNECTOR_NUMBERS, e.LogicalResourceId, e);
  if (!others) return [];
  const where = await connectorsOf(client, numbers);
  const held: Array<{ phoneNumber: string; voiceConnectorId: string; logicalId: string }> = [];
  for (const n of numbers) {
    const on = where.get(n);
    // Released (or put here) since the refusal, as by a sibling in flight: the next run associates it.
    if (on === undefined || on === p.VoiceConnectorId) {
      held.push({ phoneNumber: n, voiceConnectorId: on ?? 'none (released since)', logicalId: '' });
      continue;
    }
    const sibling = others.find((d) => {
      const { VoiceConnectorId: id, Region: r, PhoneNumbers: list } = d.properties;
      return (hasUnresolved(r) || r === p.Region) && (hasUnresolved(id) || id === on) && declaresWithout(list, n);
    });
    if (!sibling) return [];
    held.push({ phoneNumber: n, voiceConnectorId: on, logicalId: sibling.logicalId });
  }
  log().info('Numbers held by another VoiceConnectorNumbers of the stack that no longer declares them: waiting for them', {
    held: held.map((h) => `${h.phoneNumber} on ${h.voiceConnectorId} (${h.logicalId})`),
  });
  return held;
}

// ---- where force-taken numbers came from: tags on the connector they were put on -----------------

/** Tag key prefix of a force-taken number (the key ends with the number's digits: keys stay within the tag key alphabet). */
export const TAKEN_TAG_PREFIX = 'cdk-phone-numbers:taken:';
/** Tags per TagResource / UntagResource request (the model's maximum). */
const TAGS_PER_REQUEST = 50;

const takenKey = (n: string): string => `${TAKEN_TAG_PREFIX}${n.replace(/^\+/, '')}`;
const ownerToken = (e: Event): string => sha256Hex('voice-connector-numbers', e.StackId, e.LogicalResourceId).slice(0, 16);

/** arn:PARTITION:chime:REGION:ACCOUNT:vc/ID, the partition and account being the stack's. */
function connectorArn(e: Event, region: string, connectorId: string): string | undefined {
  const m = /^arn:([^:]+):cloudformation:[^:]+:(\d{12}):/.exec(e.StackId);
  return m ? `arn:${m[1]}:chime:${region}:${m[2]}:vc/${connectorId}` : undefined;
}

/** This resource's taken-from records on a connector: number -> the connector it was taken from. */
async function readTaken(client: ChimeSDKVoiceClient, e: Event, region: string, connectorId: string): Promise<Map<string, string>> {
  const arn = connectorArn(e, region, connectorId);
  const out = new Map<string, string>();
  if (!arn) return out;
  let tags: Array<{ Key?: string; Value?: string }>;
  try {
    tags = (await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? [];
  } catch (err) {
    if (isNotFound(err)) return out;
    throw err;
  }
  const suffix = `@${ownerToken(e)}`;
  for (const t of tags) {
    if (!t.Key?.startsWith(TAKEN_TAG_PREFIX) || !t.Value?.endsWith(suffix)) continue;
    out.set(`+${t.Key.slice(TAKEN_TAG_PREFIX.length)}`, t.Value.slice(0, -suffix.length));
  }
  return out;
}

/** Records, before the take, where each number comes from. */
async function recordTaken(
  client: ChimeSDKVoiceClient,
  e: Event,
  region: string,
  connectorId: string,
  from: Map<string, string>,
): Promise<void> {
  const arn = connectorArn(e, region, connectorId);
  if (!arn || from.size === 0) return;
  for (const batch of chunks([...from], TAGS_PER_REQUEST)) {
    await client.send(
      new TagResourceCommand({ ResourceARN: arn, Tags: batch.map(([n, c]) => ({ Key: takenKey(n), Value: `${c}@${ownerToken(e)}` })) }),
    );
  }
  log().info('Recorded where force-taken numbers come from, on the connector', { voiceConnectorId: connectorId, count: from.size });
}

/** Drops this resource's records of `numbers` (those it has) from a connector. */
async function forgetTaken(
  client: ChimeSDKVoiceClient,
  e: Event,
  region: string,
  connectorId: string,
  numbers: Iterable<string>,
  known?: Map<string, string>,
): Promise<void> {
  const arn = connectorArn(e, region, connectorId);
  if (!arn) return;
  const records = known ?? (await readTaken(client, e, region, connectorId));
  const keys = [...new Set(numbers)].filter((n) => records.has(n)).map(takenKey);
  try {
    for (const batch of chunks(keys, TAGS_PER_REQUEST)) await client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: batch }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * The numbers among `numbers` that another VoiceConnectorNumbers of the stack's current template
 * declares on this connector (and region), or may: an unresolvable connector, region or number counts.
 */
async function keptByOthers(e: Event, region: string, connectorId: string, numbers: string[]): Promise<Set<string>> {
  const keep = new Set<string>();
  if (numbers.length === 0) return keep;
  const others = await otherDeclarations(e.StackId, ResourceTypes.VOICE_CONNECTOR_NUMBERS, e.LogicalResourceId, e);
  for (const d of others ?? []) {
    const { VoiceConnectorId: id, Region: r, PhoneNumbers: list } = d.properties;
    if (!hasUnresolved(r) && r !== region) continue;
    if (!hasUnresolved(id) && id !== connectorId) continue;
    const uncertain = hasUnresolved(r) || hasUnresolved(id);
    const entries = Array.isArray(list) ? list : [list];
    const matched = entries.some(hasUnresolved)
      ? numbers
      : numbers.filter((n) => entries.some((x) => typeof x === 'string' && normalizeE164(x) === n));
    for (const n of matched) keep.add(n);
    if (matched.length === 0) continue;
    if (uncertain || entries.some(hasUnresolved)) {
      log().warn('Another VoiceConnectorNumbers of the stack may declare these numbers (unresolvable): keeping them', {
        logicalId: d.logicalId,
        count: matched.length,
      });
    } else {
      log().info('Another VoiceConnectorNumbers of the stack declares these numbers on this connector now: keeping them', {
        logicalId: d.logicalId,
        count: matched.length,
      });
    }
  }
  return keep;
}

/**
 * Takes this resource's numbers off the connector: the ones another resource of the stack declares
 * there stay; while the stack rolls back, a number this resource took from another connector goes
 * back there (forced); the rest are disassociated. The records of the removed numbers go.
 */
async function release(
  e: Event,
  client: ChimeSDKVoiceClient,
  region: string,
  connectorId: string,
  numbers: string[],
  forgetAll = false,
): Promise<void> {
  const where = await connectorsOf(client, numbers);
  const onOurs = numbers.filter((n) => where.get(n) === connectorId);
  const elsewhere = numbers.length - onOurs.length;
  if (elsewhere > 0) log().info('Numbers not on this connector are left alone', { count: elsewhere });
  const keep = await keptByOthers(e, region, connectorId, onOurs);
  const off = onOurs.filter((n) => !keep.has(n));
  const records = await readTaken(client, e, region, connectorId);
  const back = new Map<string, string[]>();
  if (off.some((n) => records.has(n)) && (await isRollingBack(e.StackId))) {
    for (const n of off) {
      const from = records.get(n);
      if (from !== undefined) back.set(from, [...(back.get(from) ?? []), n]);
    }
  }
  const returned = new Set<string>();
  const passing: Failure[] = [];
  for (const [from, ns] of back) {
    try {
      const failures = await associate(client, from, ns, true);
      const bad = new Set(failures.map((f) => normalizeE164(f.phoneNumber)));
      for (const n of ns) if (!bad.has(n)) returned.add(n);
      const retryable = failures.filter((f) => isPassingFailure(new VoiceConnectorAssociationFailedError('association', from, [f])));
      passing.push(...retryable.map((f) => ({ ...f, phoneNumber: normalizeE164(f.phoneNumber) })));
      const lasting = failures.filter((f) => !retryable.includes(f));
      if (lasting.length > 0)
        log().error('Could not put some numbers back on the connector they were taken from: left on this one', {
          from,
          failures: lasting.map((f) => `${f.phoneNumber} (${f.code})`),
        });
    } catch (err) {
      if (isPassingFailure(err)) throw err;
      // A line left on this connector is recoverable; a number on no connector is a dead line.
      log().error('Could not put numbers back on the connector they were taken from: left on this one', { from, error: errorMessage(err) });
    }
  }
  const leftOnOurs = new Set([...back.values()].flat().filter((n) => !returned.has(n)));
  const toDisassociate = off.filter((n) => !returned.has(n) && !leftOnOurs.has(n));
  if (returned.size > 0) log().info('Put force-taken numbers back on the connector they were taken from', { count: returned.size });
  const failures = toDisassociate.length > 0 ? await disassociate(client, connectorId, toDisassociate) : [];
  if (failures.length > 0) throw new VoiceConnectorAssociationFailedError('disassociation', connectorId, failures);
  // A move back that may pass later: the change runs again (../retry-later), the record kept until then.
  if (passing.length > 0) throw new VoiceConnectorAssociationFailedError('return to the earlier connector', connectorId, passing);
  const forget = forgetAll ? [...records.keys()] : [...returned, ...toDisassociate, ...numbers.filter((n) => !onOurs.includes(n))];
  await forgetTaken(client, e, region, connectorId, forget, records);
}

/** Numbers to associate, whose current connector is another one: taken with ForceAssociate. */
function takenFrom(
  numbers: string[],
  where: Map<string, string | undefined>,
  except: ReadonlyArray<string | undefined>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of numbers) {
    const c = where.get(n);
    if (c !== undefined && !except.includes(c)) out.set(n, c);
  }
  return out;
}

/**
 * Brings this resource's records on the connector up to date before associating: a number about to
 * be taken from another connector is recorded; a number about to be associated from no connector
 * loses any earlier record (it must not be sent anywhere on a rollback).
 */
async function syncTaken(
  client: ChimeSDKVoiceClient,
  e: Event,
  p: Props,
  toAssociate: string[],
  taken: Map<string, string>,
): Promise<void> {
  const fresh = toAssociate.filter((n) => !taken.has(n));
  if (taken.size === 0 && fresh.length === 0) return;
  const records = taken.size > 0 || fresh.length > 0 ? await readTaken(client, e, p.Region, p.VoiceConnectorId) : new Map<string, string>();
  const changed = new Map([...taken].filter(([n, c]) => records.get(n) !== c));
  await recordTaken(client, e, p.Region, p.VoiceConnectorId, changed);
  const stale = fresh.filter((n) => records.has(n));
  if (stale.length > 0) await forgetTaken(client, e, p.Region, p.VoiceConnectorId, stale, records);
}

/**
 * Runs the associations; when they fail (and were undone), drops the records written for them: the
 * numbers are back where they were, and a failed Create gets no Delete that could clean up.
 */
async function withRecordsDroppedOnFailure(
  client: ChimeSDKVoiceClient,
  e: Event,
  p: Props,
  taken: Map<string, string>,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (taken.size > 0) {
      await forgetTaken(client, e, p.Region, p.VoiceConnectorId, taken.keys()).catch((cleanup: unknown) =>
        log().error('Could not drop the taken-from records of a failed association; they are harmless but stale', {
          error: errorMessage(cleanup),
        }),
      );
    }
    throw err;
  }
}

async function create(e: CreateRequest | UpdateRequest, p: Props): Promise<OnEventResponse> {
  const client = chime(p.Region);
  // Numbers already on this connector (put there by hand, or by an earlier delivery of this event)
  // are left as they are: associating them again is needless, and a failure must not undo them.
  const numbers = numbersOf(p);
  const where = await connectorsOf(client, numbers);
  const toAssociate = numbers.filter((n) => where.get(n) !== p.VoiceConnectorId);
  const taken = force(p) ? takenFrom(toAssociate, where, [p.VoiceConnectorId]) : new Map<string, string>();
  await syncTaken(client, e, p, toAssociate, taken);
  await withRecordsDroppedOnFailure(client, e, p, taken, () =>
    associateOrUndo(e, client, p, [{ numbers: toAssociate, force: force(p) }], where),
  );
  return { PhysicalResourceId: vcPhysicalId(e, p.Region) };
}

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  if (p.Region !== old.Region) {
    log().info('Region changed: replacing', { from: old.Region, to: p.Region });
    const result = await create(e, p);
    // Nothing else will take the old Region's numbers off when this Update is the rollback of a
    // replacement: of a failed one (the physical id is already the declared Region's), or of a
    // successful one rolled back by an Update of the new physical id (the Delete that follows carries
    // the declared, not the old, properties).
    const idRegion = regionOfPhysicalId(e.PhysicalResourceId);
    if (idRegion === p.Region || (idRegion === old.Region && (await isRollingBack(e.StackId)))) {
      log().info("Rolling back a replacement: taking the other Region's numbers off", { region: old.Region });
      await release(e, chime(old.Region), old.Region, old.VoiceConnectorId, numbersOf(old), true);
    }
    return result;
  }
  const client = chime(p.Region);
  const before = numberSet(old);
  const after = numbersOf(p);
  const added = after.filter((n) => !before.has(n));
  const kept = after.filter((n) => before.has(n));
  const removed = numbersOf(old).filter((n) => !new Set(after).has(n));
  const moving = p.VoiceConnectorId !== old.VoiceConnectorId;

  // Where the numbers to associate are now: one already on the target connector is left as it is
  // (and never undone). A connector change moves the numbers this resource had on the old connector:
  // ForceAssociate takes each from the old connector to the new one at once, never leaving it
  // without a connector.
  const where = await connectorsOf(client, moving ? [...added, ...kept] : added);
  const notThere = (n: string): boolean => where.get(n) !== p.VoiceConnectorId;
  const moved = moving ? kept.filter((n) => where.get(n) === old.VoiceConnectorId) : [];
  const notOnOld = moving ? kept.filter((n) => where.get(n) !== old.VoiceConnectorId && notThere(n)) : [];
  const others = [...added.filter(notThere), ...notOnOld];
  // Only numbers taken from a connector that is not this resource's are recorded: a move of its own
  // numbers is undone by the rollback's move back.
  const taken = force(p) ? takenFrom(others, where, [p.VoiceConnectorId, old.VoiceConnectorId]) : new Map<string, string>();
  await syncTaken(client, e, p, others, taken);
  // An undo puts each number back where it was: the moved ones on the old connector, the others
  // on their earlier connector or on none.
  await withRecordsDroppedOnFailure(client, e, p, taken, () =>
    associateOrUndo(
      e,
      client,
      p,
      [
        { numbers: moved, force: true },
        { numbers: others, force: force(p) },
      ],
      where,
    ),
  );

  // Only the removed numbers still on this resource's (old) connector, and not declared there by another resource.
  if (removed.length > 0) await release(e, client, old.Region, old.VoiceConnectorId, removed);
  return { PhysicalResourceId: e.PhysicalResourceId };
}

async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  const done = { PhysicalResourceId: e.PhysicalResourceId };
  if (!p.Region || !p.VoiceConnectorId || !Array.isArray(p.PhoneNumbers)) return done;
  const idRegion = regionOfPhysicalId(e.PhysicalResourceId);
  if (idRegion !== undefined && idRegion !== p.Region) {
    // The properties are not this physical resource's (a replacement rolled back by an Update of the
    // new physical id, then its Delete with the declared properties): that Update took its numbers off.
    log().info("The Delete's properties describe another Region than its physical id: nothing of theirs to take off", {
      physicalResourceId: e.PhysicalResourceId,
      region: p.Region,
    });
    return done;
  }
  const client = chime(p.Region);
  // Every record of this resource on the connector goes with it (a number it keeps has no further rollback).
  await release(e, client, p.Region, p.VoiceConnectorId, numbersOf(p), true);
  return done;
}

/** The physical id each request answers with, known before any call (a retried change answers the same). */
function physicalIdOf(e: Event, p: Props, old?: Props): string {
  if (e.RequestType === 'Create') return vcPhysicalId(e, p.Region);
  if (e.RequestType === 'Update' && old && p.Region !== old.Region) return vcPhysicalId(e, p.Region);
  return (e as UpdateRequest | DeleteRequest).PhysicalResourceId;
}

/** The change of the request: onEvent runs it; isComplete runs it again after a passing failure (../retry-later). */
function change(e: IsCompleteRequest | Event, p: Props, old: Props | undefined): Promise<OnEventResponse> {
  switch (e.RequestType) {
    case 'Create':
      return create(asRequested<CreateRequest>(e as IsCompleteRequest), p);
    case 'Update':
      return update(asRequested<UpdateRequest>(e as IsCompleteRequest), p, old as Props);
    default:
      return remove(asRequested<DeleteRequest>(e as IsCompleteRequest), p);
  }
}

async function isComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  if (retryRequested(e)) await change(e, p, old);
  return { IsComplete: true };
}

export const voiceConnectorNumbers: ResourceHandler<Props> = {
  upgrade: (raw) => upgradeVoiceConnectorNumbers(raw),
  validate: (p) => validateVoiceConnectorNumbers(p),
  // A passing failure in onEvent is run again by isComplete; giving up leaves the undo to the rollback's Delete.
  failures: { onEvent: { kind: 'defer', physicalId: (e, p, old) => physicalIdOf(e, p, old) }, giveUp: { kind: 'none' } },
  // A Create is made by isComplete (../retry-later deferred): one that fails there is undone by the rollback's Delete.
  create: async (e, p) => deferred(physicalIdOf(e, p)),
  update: (e, p, old) => update(e, p, old),
  delete: (e, p) => remove(e, p),
  isComplete,
};
