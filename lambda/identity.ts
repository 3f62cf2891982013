/**
 * Deterministic names derived from the event: client tokens, ownership tag values, physical ids.
 * Deterministic so that a replayed event (the framework may deliver one more than once) makes the
 * same requests, which the service then treats as the same request.
 */
import { createHash } from 'node:crypto';
import { MAX_TAG_VALUE_LENGTH } from './contract';

export function sha256Hex(...parts: ReadonlyArray<string>): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** A UUID-shaped (version 4 layout) token from the parts: matches ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$. */
export function clientToken(...parts: ReadonlyArray<string>): string {
  const h = sha256Hex('client-token', ...parts);
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The stack name inside a stack id: arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID. */
export function stackNameOf(stackId: string): string {
  const m = /:stack\/([^/]+)\//.exec(stackId);
  return m ? m[1] : stackId;
}

/** Marker length (hex characters) that tells which event claimed or adopted a number. */
const MARKER_LENGTH = 12;
const OWNER_MAX = MAX_TAG_VALUE_LENGTH - 1 - 1 - MARKER_LENGTH;

/**
 * The owner part of the ownership tag value: `STACK_NAME/LOGICAL_ID`. When longer than the tag value
 * allows (with the marker), its head is kept and a hash of the whole replaces the rest.
 */
export function ownerOf(stackId: string, logicalId: string): string {
  const owner = `${stackNameOf(stackId)}/${logicalId}`;
  if (owner.length <= OWNER_MAX) return owner;
  const hash = sha256Hex(owner).slice(0, 32);
  return `${owner.slice(0, OWNER_MAX - hash.length - 1)}=${hash}`;
}

export type OwnershipKind = 'claim' | 'adopt';

/**
 * The ownership tag value written by one event: `STACK_NAME/LOGICAL_ID@` then a letter (c: claimed,
 * a: adopted) and a marker of the request. The marker lets a replayed create find the number it
 * claimed, and lets isComplete tell a fresh claim (released when the create fails) from an adoption
 * (never released by a failed create).
 */
export function ownershipValue(stackId: string, logicalId: string, requestId: string, kind: OwnershipKind): string {
  const marker = sha256Hex(stackId, logicalId, requestId).slice(0, MARKER_LENGTH - 1);
  return `${ownerOf(stackId, logicalId)}@${kind === 'claim' ? 'c' : 'a'}${marker}`;
}

/** Which kind of event wrote an ownership tag value (its letter after the '@'), if it is one. */
export function ownershipKindOf(tagValue: string | undefined): OwnershipKind | undefined {
  const letter = /@([ca])[0-9a-f]+$/.exec(tagValue ?? '')?.[1];
  return letter === 'c' ? 'claim' : letter === 'a' ? 'adopt' : undefined;
}

/** Tells whether an ownership tag value names this owner (whichever event wrote it). */
export function isOwnedBy(tagValue: string | undefined, stackId: string, logicalId: string): boolean {
  if (tagValue === undefined) return false;
  const owner = ownerOf(stackId, logicalId);
  return tagValue === owner || tagValue.startsWith(`${owner}@`);
}
