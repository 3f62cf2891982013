/**
 * The `cdk-phone-numbers` command (package.json `bin`, bundled to dist/cli/index.js by
 * scripts/bundle-cli.mjs). One subcommand: `audit`.
 */
import { runAudit } from './audit/run';

const HELP = `Usage: cdk-phone-numbers <command> [options]

Commands:
  audit   report the telephone numbers of the account against what the stacks declare (audit --help)
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'audit') {
    return (await runAudit(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env })).code;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`cdk-phone-numbers: unknown command ${command}.\n${HELP}`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cdk-phone-numbers: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
