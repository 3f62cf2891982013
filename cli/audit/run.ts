/**
 * `cdk-phone-numbers audit`: reads the declarations (deployed stacks, or --app), reads the numbers of
 * the account, writes the report, and answers the exit code (0 ok, 1 verdicts to act on, 2 usage or access).
 */
import { colorEnabled, makeStyle } from '../../local/start/style';
import { parseAuditArgs, USAGE, type AuditOptions } from './args';
import { declarationsFromAssembly } from './assembly';
import { AuditClients } from './clients';
import { AuditUsageError, USAGE_EXIT } from './errors';
import { readInventory } from './inventory';
import { exitCodeOf, judge } from './judge';
import type { Declarations, Report } from './model';
import { toJson, toTable } from './report';
import { declarationsFromStacks, liveStacks } from './stacks';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface AuditIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
}

export interface AuditRun {
  readonly code: number;
  readonly report?: Report;
  /** `service:Operation` -> operations sent and attempts made (retries included). */
  readonly calls?: Record<string, { calls: number; attempts: number }>;
}

export interface AuditSettings {
  /** DescribePhoneNumber calls in flight at once. */
  readonly describeConcurrency?: number;
}

async function declarations(clients: AuditClients, o: AuditOptions, progress: (line: string) => void): Promise<Declarations> {
  if (o.appDir === undefined) return declarationsFromStacks(clients, o.stacks, progress);
  const live = await liveStacks(clients);
  const decl = declarationsFromAssembly(o.appDir, o.stacks, clients.region, live);
  progress(`read ${decl.stacks.length} stack(s) of the cloud assembly ${o.appDir}: ${decl.stacks.join(', ')}`);
  return decl;
}

export async function runAudit(argv: readonly string[], io: AuditIo, settings: AuditSettings = {}): Promise<AuditRun> {
  const progress = (line: string) => io.stderr.write(`audit: ${line}\n`);
  let clients: AuditClients | undefined;
  try {
    const o = parseAuditArgs(argv);
    if (o.help) {
      io.stdout.write(USAGE);
      return { code: 0 };
    }
    clients = await AuditClients.create(o.region);
    const decl = await declarations(clients, o, progress);
    for (const s of decl.skipped) progress(`skipped ${s}`);
    const inventory = await readInventory(clients, decl, { progress, describeConcurrency: settings.describeConcurrency });
    const report = judge(decl, inventory);
    if (o.json) {
      io.stdout.write(toJson(report, { region: clients.region, source: o.appDir ?? 'stacks', stacks: decl.stacks }));
    } else {
      io.stdout.write(toTable(report, makeStyle(colorEnabled(o.noColor, io.stdout.isTTY, io.env))));
    }
    return { code: exitCodeOf(report, o.allow), report, calls: Object.fromEntries(clients.counts) };
  } catch (err) {
    if (err instanceof AuditUsageError) {
      io.stderr.write(`cdk-phone-numbers audit: ${err.message}\n`);
      return { code: USAGE_EXIT };
    }
    const e = err as { name?: string; message?: string };
    io.stderr.write(`cdk-phone-numbers audit: failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}\n`);
    return { code: USAGE_EXIT };
  } finally {
    clients?.destroy();
  }
}
