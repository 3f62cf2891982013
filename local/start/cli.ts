/**
 * `npm start -- [--deploy-only] [--keep] [--app DIR] [--no-color] [--help]` (see ./args.ts).
 * Exit code 0 when every step succeeded, 1 for a bad flag, an assembly without this library's
 * resources, or a failed deploy or destroy.
 */
import { parseArgs, StartUsageError } from './args';

async function main(): Promise<void> {
  try {
    parseArgs(process.argv.slice(2)); // a bad flag is answered before the rest of the program loads
  } catch (err) {
    if (!(err instanceof StartUsageError)) throw err;
    process.stderr.write(`npm start: ${err.message}\n`);
    process.exit(1);
  }
  const { runStart } = await import('./run');
  const { code, standIn } = await runStart(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  if (!standIn) process.exit(code);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping the stand-in\n`);
    standIn.stop().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
