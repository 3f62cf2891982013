/** Declarations read from a cloud assembly (`--app cdk.out`): code that may not be deployed yet. */
import * as path from 'node:path';
import { AssemblyError, readAssembly, stacksWithLibraryResources } from '../../local/start/assembly';
import { declarationsOf } from './declarations';
import { AuditUsageError } from './errors';
import type { Declarations } from './model';
import { mergeDeclarations, type LiveStack } from './stacks';

/**
 * The declarations of the assembly's stacks that hold this library's resources (those `--stack` names,
 * when given). Stacks of the assembly with no environment are taken to be in the audit's region.
 */
export function declarationsFromAssembly(dir: string, names: readonly string[], region: string, live: readonly LiveStack[]): Declarations {
  let stacks;
  try {
    stacks = stacksWithLibraryResources(dir, readAssembly(path.resolve(dir)));
  } catch (err) {
    if (err instanceof AssemblyError) throw new AuditUsageError(err.message);
    throw err;
  }
  const chosen = names.length === 0 ? stacks : names.map((n) => stacks.find((s) => s.name === n) ?? unknownStack(dir, n, stacks));
  const parts = chosen.map((s) =>
    declarationsOf({
      stackName: s.name,
      region: s.envKnown ? s.region : region,
      accountId: s.account,
      template: s.template,
      ...(live.find((l) => l.name === s.name) ? { stackId: live.find((l) => l.name === s.name)!.id } : {}),
    }),
  );
  const names_ = chosen.map((s) => s.name);
  return mergeDeclarations(
    names_,
    live.map((l) => l.name).filter((n) => !names_.includes(n)),
    parts,
  );
}

function unknownStack(dir: string, name: string, stacks: ReadonlyArray<{ name: string }>): never {
  throw new AuditUsageError(
    `unknown stack ${name} in the cloud assembly ${dir} (stacks with resources of cdk-phone-numbers there: ${stacks.map((s) => s.name).join(', ')}).`,
  );
}
