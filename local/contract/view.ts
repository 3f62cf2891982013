/**
 * The account as the contract's checks see it: every claimed number as a user sees it (its owner tag cut
 * to its owner, the handler's other bookkeeping tags left out) and every voice connector's numbers, in
 * both regions; and the differences between two such views, one line each.
 */
import type { Emulator, Snapshot, SnapshotNumber } from '../emulator';
import { OTHER_REGION, OWNER_TAG, REGION } from './world';

/** What the checks compare of one number. */
export interface NumberView {
  readonly targetArn: string;
  readonly status: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly owner: string;
  readonly flows: Record<string, string>;
}

export interface World {
  readonly numbers: Map<string, NumberView & { readonly arn: string }>;
  /** region/connector -> sorted numbers */
  readonly connectors: Map<string, string[]>;
}

const ownerOf = (n: SnapshotNumber): string => (n.tags[OWNER_TAG] ?? '').split('@')[0];

function viewOf(n: SnapshotNumber): NumberView & { arn: string } {
  const tags = Object.fromEntries(
    Object.entries(n.tags)
      .filter(([k]) => !k.startsWith('cdk-phone-numbers:'))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    arn: n.phoneNumberArn,
    targetArn: n.targetArn,
    status: n.status,
    description: n.description ?? '',
    tags,
    owner: ownerOf(n),
    flows: { ...n.flows },
  };
}

/** The account now, both regions. */
export function capture(emu: Emulator): World {
  const numbers = new Map<string, NumberView & { arn: string }>();
  const connectors = new Map<string, string[]>();
  for (const region of [REGION, OTHER_REGION]) {
    const snap: Snapshot = emu.snapshot({ region });
    for (const n of snap.claimed) numbers.set(n.phoneNumber, viewOf(n));
    for (const [vc, list] of Object.entries(snap.voiceConnectors)) if (list.length > 0) connectors.set(`${region}/${vc}`, [...list].sort());
  }
  return { numbers, connectors };
}

export const show = (v: unknown): string => JSON.stringify(v);

/** Differences between two worlds, one line each. */
export function differences(before: World, after: World): string[] {
  const out: string[] = [];
  for (const [phone, was] of before.numbers) {
    const now = after.numbers.get(phone);
    if (!now) {
      out.push(`${phone} was claimed (${was.owner || 'no owner'}) and no longer is`);
      continue;
    }
    for (const key of ['targetArn', 'status', 'description', 'owner', 'tags', 'flows'] as const) {
      if (show(was[key]) !== show(now[key])) out.push(`${phone} ${key} was ${show(was[key])}, is ${show(now[key])}`);
    }
  }
  for (const [phone, now] of after.numbers) {
    if (!before.numbers.has(phone)) out.push(`${phone} is claimed (${now.status}, owner ${now.owner || 'none'}) and was not`);
  }
  const vcs = new Set([...before.connectors.keys(), ...after.connectors.keys()]);
  for (const vc of vcs) {
    const was = before.connectors.get(vc) ?? [];
    const now = after.connectors.get(vc) ?? [];
    if (show(was) !== show(now)) out.push(`connector ${vc} held ${show(was)}, holds ${show(now)}`);
  }
  return out;
}
