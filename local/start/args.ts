/** The command line of `npm start`: flags, their meaning, and the errors a bad one gets. */

export interface StartOptions {
  /** Stop after the first deploy and its table (no change, no destroy). */
  readonly deployOnly: boolean;
  /** Keep the stand-in serving after the run and print how to point the AWS CLI / SDK at it. */
  readonly keep: boolean;
  /** A cloud assembly (e.g. cdk.out) to deploy instead of the example app. */
  readonly appDir?: string;
  /** --no-color was given. */
  readonly noColor: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: npm start -- [--deploy-only] [--keep] [--app DIR] [--no-color] [--help]

Deploys a CDK app's phone numbers on a local stand-in for Amazon Connect and Chime SDK Voice (an
emulator on 127.0.0.1, seeded to match the app), with the real handler bundle. Nothing reaches AWS.

With no flags: synthesizes the example app (bin/app.ts), deploys it, previews and applies an example
change (numbers move to another instance, flows rebound, the trunk list changed), destroys it, and
prints what each step did to the numbers.

  --deploy-only   stop after the first deploy and its table
  --keep          keep the stand-in serving at the end; print its endpoint and the environment
                  variables that point the AWS CLI / SDK at it (Ctrl-C stops it)
  --app DIR       deploy your own cloud assembly (e.g. cdk.out from \`npx cdk synth\`) instead of the
                  example app; the stand-in is seeded from the ARNs and numbers its templates name
  --no-color      no ANSI colours (also off when NO_COLOR is set or the output is not a terminal)
  --help          this text
`;

/** A flag the program does not know, or a flag without its value. */
export class StartUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE.split('\n')[0]}\n(npm start -- --help explains each flag)`);
    this.name = 'StartUsageError';
  }
}

export function parseArgs(argv: readonly string[]): StartOptions {
  let deployOnly = false;
  let keep = false;
  let noColor = false;
  let help = false;
  let appDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--app' || arg.startsWith('--app=')) {
      const value = arg === '--app' ? argv[++i] : arg.slice('--app='.length);
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new StartUsageError(
          `--app needs a directory (a cloud assembly such as cdk.out), got ${value === undefined ? 'nothing' : `'${value}'`}`,
        );
      }
      appDir = value;
      continue;
    }
    switch (arg) {
      case '--deploy-only':
        deployOnly = true;
        break;
      case '--keep':
        keep = true;
        break;
      case '--no-color':
        noColor = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new StartUsageError(`unknown flag '${arg}'`);
    }
  }
  return { deployOnly, keep, appDir, noColor, help };
}
