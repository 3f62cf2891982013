/**
 * The audit's time against its bound: 1,000 Connect numbers in one instance under the default quota
 * (2 requests/s, burst 5, per API), time compressed by RATE_SCALE (rates and bursts multiplied by k,
 * the retry base delay divided by k). The bound is the slowest API's fewest calls at its quota; the
 * APIs run side by side. Run: npx ts-node --transpile-only bench/audit.ts [numbers] [rateScale]
 */
import { runAudit } from '../cli/audit/run';
import { DEFAULT_RETRY_BASE_DELAY_MS } from '../lambda/clients';
import { startEmulator } from '../local/emulator';
import { DEFAULT_CONNECT_RATE } from '../local/emulator/rate-limit';

const numbers = Number(process.argv[2] ?? 1000);
const rateScale = Number(process.argv[3] ?? 10);

/** Seconds an API needs for `calls` calls at `rate`/s after its burst. */
const apiSeconds = (calls: number, scale: number) =>
  Math.max(0, calls - DEFAULT_CONNECT_RATE.burst * scale) / (DEFAULT_CONNECT_RATE.ratePerSecond * scale);

async function main(): Promise<void> {
  const emu = await startEmulator({ port: 0, rateScale, phoneNumberQuota: 100_000, phoneNumbersPerTarget: 100_000 });
  const instance = emu.seedInstance({ instanceId: '6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7' });
  for (let i = 0; i < numbers; i++) emu.seedClaimedNumber({ phoneNumber: `+1206${String(5_000_000 + i)}`, targetArn: instance });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_CONNECT: emu.endpoint,
    AWS_ENDPOINT_URL_CHIME_SDK_VOICE: emu.endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: emu.endpoint,
    PHONE_NUMBERS_RETRY_BASE_DELAY_MS: String(DEFAULT_RETRY_BASE_DELAY_MS / rateScale),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const started = Date.now();
  const run = await runAudit(['--json'], { stdout: { write: () => true }, stderr: { write: () => true }, env: process.env });
  const seconds = (Date.now() - started) / 1000;
  await emu.stop();
  const calls = run.calls ?? {};
  const needed: Record<string, number> = {
    'connect:ListPhoneNumbersV2': Math.ceil(numbers / 1000),
    'connect:DescribePhoneNumber': numbers,
    'connect:BatchGetFlowAssociation': Math.ceil(numbers / 100),
  };
  const bound = Math.max(...Object.values(needed).map((c) => apiSeconds(c, rateScale)));
  const result = {
    numbers,
    rateScale,
    exitCode: run.code,
    seconds: Math.round(seconds * 10) / 10,
    boundSeconds: Math.round(bound * 10) / 10,
    boundRatio: Math.round((seconds / bound) * 100) / 100,
    /** At the real quota (rateScale 1): the same ratio applied to the unscaled bound. */
    realQuotaEstimateSeconds: Math.round((seconds / bound) * apiSeconds(numbers, 1)),
    calls,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
