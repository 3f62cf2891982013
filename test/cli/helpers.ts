/** Running the audit in this process (its SDK clients read process.env, which startWorld points at the emulator). */
import { runAudit, type AuditRun, type AuditSettings } from '../../cli/audit/run';

export interface Captured extends AuditRun {
  readonly stdout: string;
  readonly stderr: string;
}

export async function audit(argv: readonly string[], options: { isTTY?: boolean; settings?: AuditSettings } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const run = await runAudit(
    argv,
    {
      stdout: { write: (t: string) => (stdout += t), isTTY: options.isTTY },
      stderr: { write: (t: string) => (stderr += t) },
      env: process.env,
    },
    options.settings,
  );
  return { ...run, stdout, stderr };
}

export interface JsonRow {
  phoneNumber: string;
  phoneNumberArn?: string;
  service: string;
  verdict: string;
  holder?: string;
  declaredBy: string[];
  differences: Array<{ field: string; declared: string; actual: string }>;
  target?: string;
  flow?: string;
  voiceConnector?: string;
  status?: string;
}

export interface JsonReport {
  audited: { region: string; source: string; stacks: string[] };
  numbers: JsonRow[];
  summary: Record<string, number>;
}
