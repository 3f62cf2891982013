/**
 * What a number was before a resource adopted it, kept on the number itself (tags), so that a
 * rollback can put it back whichever Lambda invocation runs it: its earlier target, description,
 * owner, and the values of the user tags the adoption set.
 *
 * Written BEFORE the adoption changes anything, under PRIOR_TAG_KEY: JSON in base64url (only letters,
 * digits, '-' and '_', which every AWS tagging rule allows), in chunks of 256 characters (a tag
 * value's maximum). The ownership tag itself is written only once the adoption has succeeded.
 */
import { MAX_TAG_VALUE_LENGTH, OWNER_TAG_KEY } from '../../contract';

export const PRIOR_TAG_KEY = 'cdk-phone-numbers:prior';
/** Chunks of one record: 8 x 256 characters hold the longest description (500) with a target, an owner and a few tags. */
const MAX_CHUNKS = 8;

export interface PriorState {
  /** The ownership value of the adopting event (see ./identity ownershipValue). */
  readonly by: string;
  readonly target: string;
  /** The description before; null when it had none. */
  readonly description: string | null;
  /** The ownership tag before; null when it had none. */
  readonly owner: string | null;
  /** User tags the adoption sets: their value before, null for a tag that was absent. */
  readonly tags: Record<string, string | null>;
}

const chunkKey = (i: number): string => (i === 0 ? PRIOR_TAG_KEY : `${PRIOR_TAG_KEY}:${i + 1}`);

/** Every tag key a prior record may use. */
export const PRIOR_TAG_KEYS: ReadonlyArray<string> = Array.from({ length: MAX_CHUNKS }, (_, i) => chunkKey(i));

/** The tags that hold `record` (and, for unused chunk keys, nothing). Throws when it does not fit. */
export function priorTags(record: PriorState): Record<string, string> {
  const text = Buffer.from(JSON.stringify(record), 'utf8').toString('base64url');
  const out: Record<string, string> = {};
  for (let i = 0, at = 0; at < text.length; i++, at += MAX_TAG_VALUE_LENGTH) {
    if (i >= MAX_CHUNKS) throw new Error(`the earlier state of the number does not fit in ${MAX_CHUNKS} tags`);
    out[chunkKey(i)] = text.slice(at, at + MAX_TAG_VALUE_LENGTH);
  }
  return out;
}

/** The prior record on a number, or undefined (none, or unreadable). */
export function readPrior(tags: Record<string, string> | undefined): PriorState | undefined {
  if (!tags?.[PRIOR_TAG_KEY]) return undefined;
  let text = '';
  for (let i = 0; i < MAX_CHUNKS && tags[chunkKey(i)] !== undefined; i++) text += tags[chunkKey(i)];
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PriorState;
    return typeof parsed.by === 'string' && typeof parsed.target === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The record of what a number is now, before `by` adopts it and sets `userTags`. */
export function priorOf(
  by: string,
  current: { TargetArn?: string; PhoneNumberDescription?: string; Tags?: Record<string, string> },
  userTags: Record<string, string>,
): PriorState {
  const tags = current.Tags ?? {};
  return {
    by,
    target: current.TargetArn ?? '',
    description: current.PhoneNumberDescription ? current.PhoneNumberDescription : null,
    owner: tags[OWNER_TAG_KEY] ?? null,
    tags: Object.fromEntries(Object.keys(userTags).map((k) => [k, tags[k] ?? null])),
  };
}
