/**
 * `npm run emulator -- [--port N] [--region R] [--account A] [--async-delay-ms MS] [--rate-scale X] [--max-page-size N] [--no-seed]`
 *
 * Starts the emulator, seeds a small default inventory (unless --no-seed), prints the endpoint and what
 * it seeded, and serves until SIGINT/SIGTERM.
 */
import { voiceConnectorArn } from './arns';
import { startEmulator } from './server';
import type { Emulator, EmulatorOptions } from './types';

interface CliArgs {
  port: number;
  region: string;
  account: string;
  asyncDelayMs: number;
  rateScale: number;
  seed: boolean;
  maxPageSize?: number;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { port: 4599, region: 'us-east-1', account: '123456789012', asyncDelayMs: 0, rateScale: 1, seed: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
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
      case '--async-delay-ms':
        args.asyncDelayMs = Number(next());
        break;
      case '--rate-scale':
        args.rateScale = Number(next());
        break;
      case '--max-page-size':
        args.maxPageSize = Number(next());
        break;
      case '--no-seed':
        args.seed = false;
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'usage: npm run emulator -- [--port N] [--region R] [--account A] [--async-delay-ms MS] [--rate-scale X] [--max-page-size N] [--no-seed]\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${flag}`);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`invalid --port: ${args.port}`);
  if (args.maxPageSize !== undefined && !(Number.isInteger(args.maxPageSize) && args.maxPageSize > 0))
    throw new Error(`invalid --max-page-size: ${args.maxPageSize} (give a whole number of at least 1)`);
  return args;
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
  const options: EmulatorOptions = {
    port: args.port,
    defaultAccountId: args.account,
    asyncDelayMs: args.asyncDelayMs,
    rateScale: args.rateScale,
    ...(args.maxPageSize !== undefined ? { maxPageSize: args.maxPageSize } : {}),
  };
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
