/**
 * The stand-in's numbers as a table: every Connect number claimed in the account (the stack's and
 * others') and every Chime inventory number seeded, with the resource that declares it.
 */
import { OWNER_TAG_KEY } from '../../lambda/contract/resource-types';
import type { DeployedResource } from '../deploy/types';
import type { Emulator } from '../emulator/types';
import { flowName, targetName } from './names';
import { formatTable, type Style } from './style';

export const STATE_HEADER = ['logical id', 'number', 'target', 'flow', 'voice connector', 'status', 'owner'] as const;

export interface StateScope {
  readonly accountId: string;
  readonly region: string;
}

export interface StackResources {
  readonly stackName: string;
  readonly resources: readonly DeployedResource[];
}

/** 'STACK/LOGICAL_ID@c<marker>' -> 'STACK/LOGICAL_ID (claimed)'. */
export function ownerLabel(tag: string | undefined): string {
  if (tag === undefined) return '- (no owner tag)';
  const m = /^(.*)@([ca])[0-9a-f]*$/.exec(tag);
  return m ? `${m[1]} (${m[2] === 'c' ? 'claimed' : 'adopted'})` : tag;
}

export function stateRows(
  emu: Emulator,
  scopes: readonly StateScope[],
  chimeNumbers: ReadonlyArray<{ region: string; phoneNumber: string }>,
  stacks: readonly StackResources[],
): string[][] {
  const all = stacks.flatMap((s) => s.resources.map((r) => ({ stackName: s.stackName, r })));
  const rows: string[][] = [];
  for (const scope of scopes) {
    const snap = emu.snapshot(scope);
    for (const n of snap.claimed) {
      const declared = all.find(({ r }) => r.type === 'Custom::ClaimedPhoneNumber' && r.physicalResourceId === n.phoneNumberArn);
      const flows =
        Object.values(n.flows)
          .map((f) => flowName(f))
          .join(', ') || '-';
      rows.push([
        declared?.r.logicalId ?? '-',
        n.phoneNumber,
        targetName(n.targetArn),
        flows,
        '-',
        n.status,
        ownerLabel(n.tags[OWNER_TAG_KEY]),
      ]);
    }
    for (const { phoneNumber } of chimeNumbers.filter((c) => c.region === scope.region)) {
      const connector = Object.entries(snap.voiceConnectors).find(([, numbers]) => numbers.includes(phoneNumber))?.[0];
      const declared = all.find(
        ({ r }) =>
          r.type === 'Custom::VoiceConnectorNumbers' &&
          Array.isArray(r.properties.PhoneNumbers) &&
          r.properties.PhoneNumbers.includes(phoneNumber) &&
          r.properties.VoiceConnectorId === connector,
      );
      rows.push([
        declared?.r.logicalId ?? '-',
        phoneNumber,
        '-',
        '-',
        connector ?? '-',
        connector ? 'ASSOCIATED' : 'UNASSOCIATED',
        declared ? `${declared.stackName}/${declared.r.logicalId}` : '-',
      ]);
    }
  }
  return rows;
}

export function formatStateTable(rows: ReadonlyArray<readonly string[]>, style: Style): string[] {
  const styled = rows.map((r) =>
    r.map((cell, i) => {
      if (i !== 5) return cell;
      if (cell === 'CLAIMED' || cell === 'ASSOCIATED') return style.green(cell);
      if (cell === 'FAILED') return style.red(cell);
      return style.yellow(cell);
    }),
  );
  return formatTable(STATE_HEADER, styled, style);
}
