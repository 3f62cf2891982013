/**
 * `npm run emulator -- [options]` (`--help` lists them): starts the emulator, seeds a small default
 * inventory (unless --no-seed), prints the endpoint and what it seeded, and serves until SIGINT/SIGTERM.
 */
import { voiceConnectorArn } from './arns';
import { READING_VALUES, resolveReadings } from './readings';
import { startEmulator } from './server';
import type { Emulator, EmulatorOptions, ServiceReadings } from './types';

export interface CliArgs {
  port: number;
  region: string;
  account: string;
  rateScale: number;
  seed: boolean;
  help: boolean;
  /** The latencies, quota and readings given on the command line (absent: the emulator's defaults). */
  options: {
    asyncDelayMs?: number;
    claimDelayMs?: number;
    moveDelayMs?: number;
    releaseDelayMs?: number;
    phoneNumbersPerTarget?: number;
    tokenTtlMs?: number;
    maxPageSize?: number;
    readings: ServiceReadings;
  };
}

/** The flags that take milliseconds or a count: flag -> option, and whether it must be a whole number >= 1. */
const NUMBER_FLAGS: Record<string, { option: keyof Omit<CliArgs['options'], 'readings'>; what: string; min: number; byDefault: string }> = {
  '--async-delay-ms': {
    option: 'asyncDelayMs',
    what: 'milliseconds every claim, move and description update stays IN_PROGRESS',
    min: 0,
    byDefault: '0',
  },
  '--claim-delay-ms': {
    option: 'claimDelayMs',
    what: 'milliseconds a ClaimPhoneNumber stays IN_PROGRESS',
    min: 0,
    byDefault: 'the --async-delay-ms',
  },
  '--move-delay-ms': {
    option: 'moveDelayMs',
    what: 'milliseconds an UpdatePhoneNumber (a move) stays IN_PROGRESS',
    min: 0,
    byDefault: 'the --async-delay-ms',
  },
  '--release-delay-ms': { option: 'releaseDelayMs', what: 'milliseconds a ReleasePhoneNumber stays IN_PROGRESS', min: 0, byDefault: '0' },
  '--numbers-per-target': {
    option: 'phoneNumbersPerTarget',
    what: 'numbers one instance or traffic distribution group can hold',
    min: 1,
    byDefault: '5',
  },
  '--token-ttl-ms': { option: 'tokenTtlMs', what: 'milliseconds a ClientToken is remembered', min: 1, byDefault: 'forever' },
  '--max-page-size': { option: 'maxPageSize', what: 'numbers one ListPhoneNumbersV2 page holds at most', min: 1, byDefault: 'no cap' },
};

export const USAGE = [
  'usage: npm run emulator -- [options]',
  '  --port N                 port to listen on (0: any free port; default 4599)',
  '  --region R               region of the seeded inventory (default us-east-1)',
  '  --account A              account every credential maps to (default 123456789012)',
  ...Object.entries(NUMBER_FLAGS).map(
    ([flag, f]) => `  ${`${flag} ${flag.endsWith('-ms') ? 'MS' : 'N'}`.padEnd(24)} ${f.what} (default ${f.byDefault})`,
  ),
  '  --rate-scale X           multiplies every API rate and burst (default 1)',
  '  --reading NAME=VALUE     a reading of a behaviour the AWS documentation does not settle (repeatable):',
  ...Object.entries(READING_VALUES).map(
    ([name, values]) => `                             ${name}=${values.join('|')} (default ${values[0]})`,
  ),
  '  --no-seed                start with an empty account',
  '  --help, -h               this text',
].join('\n');

/** A number flag's value: a clear error naming the flag, the value and what it takes. */
function numberOf(flag: string, raw: string): number {
  const f = NUMBER_FLAGS[flag];
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(v) || v < f.min) {
    const unit = flag.endsWith('-ms') ? `a whole number of milliseconds >= ${f.min}` : `a whole number >= ${f.min}`;
    throw new Error(`invalid ${flag} '${raw}': it takes ${unit} (${f.what}), e.g. ${flag} ${f.min === 0 ? 3000 : 5}`);
  }
  return v;
}

/** `NAME=VALUE` of --reading, checked against the readings and their values. */
function readingOf(raw: string, readings: ServiceReadings): ServiceReadings {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new Error(`invalid --reading '${raw}': it takes NAME=VALUE, e.g. --reading unfilteredListTdgNumbers=omitted`);
  const given = { ...readings, [raw.slice(0, eq)]: raw.slice(eq + 1) } as ServiceReadings;
  try {
    resolveReadings(given);
  } catch (e) {
    throw new Error(`invalid --reading '${raw}': ${(e as Error).message}`);
  }
  return given;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    port: 4599,
    region: 'us-east-1',
    account: '123456789012',
    rateScale: 1,
    seed: true,
    help: false,
    options: { readings: {} },
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag in NUMBER_FLAGS) {
      args.options[NUMBER_FLAGS[flag].option] = numberOf(flag, next());
      continue;
    }
    switch (flag) {
      case '--port':
        args.port = Number(next());
        break;
      case '--region':
        args.region = next();
        break;
      case '--account':
        args.account = next();
        break;
      case '--rate-scale':
        args.rateScale = Number(next());
        break;
      case '--reading':
        args.options.readings = readingOf(next(), args.options.readings);
        break;
      case '--no-seed':
        args.seed = false;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown argument: ${flag} (npm run emulator -- --help lists the options)`);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`invalid --port: ${args.port}`);
  if (!(args.rateScale > 0)) throw new Error(`invalid --rate-scale: ${args.rateScale}; it takes a number > 0, e.g. --rate-scale 1000`);
  return args;
}

/** The emulator options the command line asks for. */
export function emulatorOptionsOf(args: CliArgs): EmulatorOptions {
  return { port: args.port, defaultAccountId: args.account, rateScale: args.rateScale, ...args.options };
}

/** The default inventory; returns human-readable lines describing it. */
export function seedDefaults(emu: Emulator, scope: { accountId: string; region: string }): string[] {
  const instanceArn = emu.seedInstance({ ...scope, instanceId: '10ca1000-0000-4000-8000-000000000001' });
  const flowArn = emu.seedContactFlow({
    ...scope,
    instanceId: '10ca1000-0000-4000-8000-000000000001',
    contactFlowId: '10ca1f10-0000-4000-8000-000000000001',
  });
  const did = ['+12065550100', '+12065550101', '+12065550102', '+12065550103', '+12065550104'];
  const tollFree = ['+18885550100', '+18885550101', '+18885550102'];
  emu.seedAvailableNumbers({ ...scope, countryCode: 'US', type: 'DID', phoneNumbers: did });
  emu.seedAvailableNumbers({ ...scope, countryCode: 'US', type: 'TOLL_FREE', phoneNumbers: tollFree });
  emu.seedVoiceConnector({ ...scope, voiceConnectorId: 'localv0iceconnector001', name: 'local-voice-connector' });
  const chime = ['+13125550100', '+13125550101', '+13125550102'];
  for (const phoneNumber of chime) emu.seedChimeNumber({ ...scope, phoneNumber });
  return [
    `account ${scope.accountId}, region ${scope.region}`,
    `connect instance: ${instanceArn}`,
    `contact flow: ${flowArn}`,
    `available US DID: ${did.join(', ')}`,
    `available US TOLL_FREE: ${tollFree.join(', ')}`,
    `chime voice connector: localv0iceconnector001 (${voiceConnectorArn(scope.region, scope.accountId, 'localv0iceconnector001')})`,
    `chime inventory numbers: ${chime.join(', ')}`,
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = emulatorOptionsOf(args);
  const emu = await startEmulator(options);
  process.stdout.write(`phone-number emulator listening on ${emu.endpoint}\n`);
  process.stdout.write(`  export AWS_ENDPOINT_URL_CONNECT=${emu.endpoint} AWS_ENDPOINT_URL_CHIME_SDK_VOICE=${emu.endpoint}\n`);
  if (args.seed) {
    for (const line of seedDefaults(emu, { accountId: args.account, region: args.region })) process.stdout.write(`  seeded ${line}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping\n`);
    emu.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
