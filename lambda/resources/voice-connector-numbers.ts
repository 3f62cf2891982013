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
import { chunks, isNotFound, mapLimit } from '../aws-errors';
import { chime } from '../clients';
import { VoiceConnectorAssociationFailedError } from '../errors';
import type { CreateRequest, DeleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest } from '../events';
import { sha256Hex } from '../identity';
import { log } from '../logger';

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

/** Associates `numbers`; when some fail, undoes `undo` and fails the event naming each failure. */
async function associateOrUndo(
  client: ChimeSDKVoiceClient, p: Props, plan: Array<{ numbers: string[]; force: boolean }>, undo: (succeeded: string[]) => Promise<void>,
): Promise<void> {
  const failures: Failure[] = [];
  const attempted: string[] = [];
  for (const step of plan) {
    if (step.numbers.length === 0) continue;
    attempted.push(...step.numbers);
    failures.push(...(await associate(client, p.VoiceConnectorId, step.numbers, step.force)));
  }
  if (failures.length === 0) return;
  const bad = new Set(failures.map((f) => normaliseE164(f.phoneNumber)));
  const succeeded = attempted.filter((n) => !bad.has(n));
  log().warn('Some numbers failed; undoing what this event associated', { failures: failures.length, undo: succeeded.length });
  if (succeeded.length > 0) await undo(succeeded);
  throw new VoiceConnectorAssociationFailedError('association', p.VoiceConnectorId, failures);
}

async function create(e: CreateRequest | UpdateRequest, p: Props): Promise<OnEventResponse> {
  const client = chime(p.Region);
  // Numbers already on this connector (put there by hand, or by an earlier delivery of this event)
  // are left as they are: associating them again is needless, and a failure must not undo them.
  const numbers = numbersOf(p);
  const where = await connectorsOf(client, numbers);
  const toAssociate = numbers.filter((n) => where.get(n) !== p.VoiceConnectorId);
  await associateOrUndo(client, p, [{ numbers: toAssociate, force: force(p) }], async (succeeded) => {
    await disassociate(client, p.VoiceConnectorId, succeeded);
  });
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
  await associateOrUndo(
    client, p,
    [{ numbers: moved, force: true }, { numbers: [...added.filter(notThere), ...notOnOld], force: force(p) }],
    async (succeeded) => {
      const movedBack = succeeded.filter((n) => moved.includes(n));
      const fresh = succeeded.filter((n) => !moved.includes(n));
      if (movedBack.length > 0) await associate(client, old.VoiceConnectorId, movedBack, true);
      if (fresh.length > 0) await disassociate(client, p.VoiceConnectorId, fresh);
    },
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
  validate: (p) => validateVoiceConnectorNumbers(p),
  create,
  update,
  delete: remove,
  isComplete,
};
