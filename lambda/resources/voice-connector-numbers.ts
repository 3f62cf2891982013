/**
 * Custom::VoiceConnectorNumbers: which numbers a Chime SDK Voice connector carries.
 *
 * Physical id: derived from the stack, the logical id and the Region, so a connector change is an
 * in-place move and only a Region change is a replacement. A 200 answer is not success for every
 * number: PhoneNumberErrors entries fail the event, after this event's own associations are undone.
 */
import {
  AssociatePhoneNumbersWithVoiceConnectorCommand,
  DisassociatePhoneNumbersFromVoiceConnectorCommand,
  GetPhoneNumberCommand,
  type ChimeSDKVoiceClient,
  type PhoneNumberError,
} from '@aws-sdk/client-chime-sdk-voice';
import { normaliseE164, validateVoiceConnectorNumbers, type VoiceConnectorNumbersProperties } from '../contract';
import { chunks, errorMessage, isNotFound, mapLimit } from '../aws-errors';
import { chime } from '../clients';
import { VoiceConnectorAssociationFailedError } from '../errors';
import type { CreateRequest, DeleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest } from '../events';
import { sha256Hex } from '../identity';
import { log } from '../logger';
import { upgradeVoiceConnectorNumbers } from '../upgrade';

type Props = VoiceConnectorNumbersProperties;
type Event = CreateRequest | UpdateRequest | DeleteRequest;

/** Numbers per Associate/Disassociate request (no documented maximum; small enough for any service limit). */
export const BATCH_SIZE = 25;
/** GetPhoneNumber calls in flight at once. */
export const READ_CONCURRENCY = 5;

interface Failure { phoneNumber: string; code: string; message?: string }

export const vcPhysicalId = (e: Event, region: string): string =>
  `voice-connector-numbers/${region}/${sha256Hex(e.StackId, e.LogicalResourceId).slice(0, 24)}`;

const numbersOf = (p: Props): string[] => p.PhoneNumbers.map(normaliseE164);
const force = (p: Props): boolean => p.ForceAssociate === 'true';

function failuresOf(errors: PhoneNumberError[] | undefined): Failure[] {
  return (errors ?? []).map((x) => ({ phoneNumber: x.PhoneNumberId ?? '?', code: x.ErrorCode ?? 'Unknown', message: x.ErrorMessage }));
}

/** Associates in batches; returns the numbers that failed (the others are associated). */
async function associate(client: ChimeSDKVoiceClient, connectorId: string, numbers: string[], forceAssociate: boolean): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const batch of chunks(numbers, BATCH_SIZE)) {
    const out = await client.send(new AssociatePhoneNumbersWithVoiceConnectorCommand({
      VoiceConnectorId: connectorId, E164PhoneNumbers: batch, ForceAssociate: forceAssociate,
    }));
    failures.push(...failuresOf(out.PhoneNumberErrors));
  }
  log().info('Associated numbers with voice connector', { voiceConnectorId: connectorId, count: numbers.length, failed: failures.length, forceAssociate });
  return failures;
}

/** Disassociates in batches; NotFound entries count as done. Returns the other failures. */
async function disassociate(client: ChimeSDKVoiceClient, connectorId: string, numbers: string[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const batch of chunks(numbers, BATCH_SIZE)) {
    const out = await client.send(new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: connectorId, E164PhoneNumbers: batch }));
    failures.push(...failuresOf(out.PhoneNumberErrors).filter((f) => f.code !== 'NotFound'));
  }
  log().info('Disassociated numbers from voice connector', { voiceConnectorId: connectorId, count: numbers.length, failed: failures.length });
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

const numberSet = (p: Props): Set<string> => new Set(p.PhoneNumbers.map(normaliseE164));

/**
 * Puts `numbers` back where they were before this event (`before`: number -> connector, undefined for
 * none): a number taken from another connector goes back to it, a number that had no connector is
 * disassociated from `connectorId`. Blind but safe: a number this event never moved is already where
 * it was (Associate with its own connector and Disassociate of a number not on `connectorId` change
 * nothing).
 */
async function undo(client: ChimeSDKVoiceClient, connectorId: string, numbers: string[], before: Map<string, string | undefined>): Promise<void> {
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
    log().error('Could not put every number back where it was; check them by hand', { failures: failures.map((f) => `${f.phoneNumber} (${f.code})`) });
  }
}

/**
 * Associates the plan's numbers; when some fail, or a call fails outright, puts what this event
 * associated back where it was (see `undo`) and fails the event. A failed Create is never followed by
 * a Delete that could clean up, so the undo must happen here.
 */
async function associateOrUndo(
  client: ChimeSDKVoiceClient, p: Props, plan: Array<{ numbers: string[]; force: boolean }>, before: Map<string, string | undefined>,
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
  const bad = new Set(failures.map((f) => normaliseE164(f.phoneNumber)));
  const succeeded = attempted.filter((n) => !bad.has(n));
  log().warn('Some numbers failed; undoing what this event associated', { failures: failures.length, undo: succeeded.length });
  if (succeeded.length > 0) await undo(client, p.VoiceConnectorId, succeeded, before);
  throw new VoiceConnectorAssociationFailedError('association', p.VoiceConnectorId, failures);
}

async function create(e: CreateRequest | UpdateRequest, p: Props): Promise<OnEventResponse> {
  const client = chime(p.Region);
  // Numbers already on this connector (put there by hand, or by an earlier delivery of this event)
  // are left as they are: associating them again is needless, and a failure must not undo them.
  const numbers = numbersOf(p);
  const where = await connectorsOf(client, numbers);
  const toAssociate = numbers.filter((n) => where.get(n) !== p.VoiceConnectorId);
  await associateOrUndo(client, p, [{ numbers: toAssociate, force: force(p) }], where);
  return { PhysicalResourceId: vcPhysicalId(e, p.Region) };
}

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  if (p.Region !== old.Region) {
    log().info('Region changed: replacing', { from: old.Region, to: p.Region });
    return create(e, p);
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
  // An undo puts each number back where it was: the moved ones on the old connector, the others
  // on their earlier connector or on none.
  await associateOrUndo(
    client, p,
    [{ numbers: moved, force: true }, { numbers: [...added.filter(notThere), ...notOnOld], force: force(p) }],
    where,
  );

  if (removed.length > 0) {
    // Only the removed numbers still on this resource's (old) connector.
    const where = await connectorsOf(client, removed);
    const ours = removed.filter((n) => where.get(n) === old.VoiceConnectorId);
    const failures = ours.length > 0 ? await disassociate(client, old.VoiceConnectorId, ours) : [];
    if (failures.length > 0) throw new VoiceConnectorAssociationFailedError('disassociation', old.VoiceConnectorId, failures);
  }
  return { PhysicalResourceId: e.PhysicalResourceId };
}

async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  const done = { PhysicalResourceId: e.PhysicalResourceId };
  if (!p.Region || !p.VoiceConnectorId || !Array.isArray(p.PhoneNumbers)) return done;
  const client = chime(p.Region);
  const numbers = numbersOf(p);
  const where = await connectorsOf(client, numbers);
  const ours = numbers.filter((n) => where.get(n) === p.VoiceConnectorId);
  const elsewhere = numbers.length - ours.length;
  if (elsewhere > 0) log().info('Numbers not on this connector are left alone', { count: elsewhere });
  const failures = ours.length > 0 ? await disassociate(client, p.VoiceConnectorId, ours) : [];
  if (failures.length > 0) throw new VoiceConnectorAssociationFailedError('disassociation', p.VoiceConnectorId, failures);
  return done;
}

async function isComplete(): Promise<IsCompleteResponse> {
  return { IsComplete: true };
}

export const voiceConnectorNumbers: ResourceHandler<Props> = {
  upgrade: (raw) => upgradeVoiceConnectorNumbers(raw),
  validate: (p) => validateVoiceConnectorNumbers(p),
  create,
  update,
  delete: remove,
  isComplete,
};
