import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ClaimPhoneNumberCommand, DescribePhoneNumberCommand } from '@aws-sdk/client-connect';
import { emulatorOptionsOf, parseArgs, USAGE } from '../../../local/emulator/cli';
import { startEmulator } from '../../../local/emulator';
import { connectClient } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

describe('npm run emulator flags', () => {
  it.each([
    ['--claim-delay-ms', '3000', { claimDelayMs: 3000 }],
    ['--move-delay-ms', '2000', { moveDelayMs: 2000 }],
    ['--release-delay-ms', '4000', { releaseDelayMs: 4000 }],
    ['--async-delay-ms', '0', { asyncDelayMs: 0 }],
    ['--numbers-per-target', '7', { phoneNumbersPerTarget: 7 }],
    ['--token-ttl-ms', '60000', { tokenTtlMs: 60000 }],
  ])('%s %s sets %j', (flag, value, expected) => {
    expect(emulatorOptionsOf(parseArgs([flag, value]))).toEqual({
      port: 4599,
      defaultAccountId: '123456789012',
      rateScale: 1,
      readings: {},
      ...expected,
    });
  });

  it('--reading NAME=VALUE sets each reading, repeatable', () => {
    const args = parseArgs(['--reading', 'unfilteredListTdgNumbers=omitted', '--reading', 'disassociateNotAssociated=Validation']);
    expect(args.options.readings).toEqual({ unfilteredListTdgNumbers: 'omitted', disassociateNotAssociated: 'Validation' });
  });

  it.each([
    [['--claim-delay-ms', 'soon'], "invalid --claim-delay-ms 'soon': it takes a whole number of milliseconds >= 0"],
    [['--move-delay-ms', '-1'], "invalid --move-delay-ms '-1': it takes a whole number of milliseconds >= 0"],
    [['--release-delay-ms', '1.5'], "invalid --release-delay-ms '1.5': it takes a whole number of milliseconds >= 0"],
    [['--numbers-per-target', '0'], "invalid --numbers-per-target '0': it takes a whole number >= 1"],
    [['--token-ttl-ms', ''], "invalid --token-ttl-ms '': it takes a whole number of milliseconds >= 1"],
    [['--release-delay-ms'], '--release-delay-ms needs a value'],
    [['--reading', 'longPrefix'], "invalid --reading 'longPrefix': it takes NAME=VALUE"],
    [
      ['--reading', 'longPrefix=maybe'],
      "invalid --reading 'longPrefix=maybe': reading longPrefix cannot be 'maybe'; use one of: refused, accepted",
    ],
    [['--reading', 'colour=blue'], "invalid --reading 'colour=blue': unknown reading 'colour'"],
    [['--rate-scale', '0'], 'invalid --rate-scale: 0'],
    [['--bogus'], 'unknown argument: --bogus (npm run emulator -- --help lists the options)'],
  ])('refuses %j naming the value and the fix', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('--help lists every latency, quota and reading flag with its default', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    for (const flag of [
      '--claim-delay-ms MS',
      '--move-delay-ms MS',
      '--release-delay-ms MS',
      '--numbers-per-target N',
      '--token-ttl-ms MS',
    ]) {
      expect(USAGE).toContain(flag);
    }
    expect(USAGE).toContain('unfilteredListTdgNumbers=listed|omitted (default listed)');
    expect(USAGE).toContain('voiceConnectorId=nonEmpty|strict (default nonEmpty)');
  });

  it('the options the flags give take effect in the emulator (a claim stays IN_PROGRESS for --claim-delay-ms)', async () => {
    const emu = await startEmulator({ ...emulatorOptionsOf(parseArgs(['--port', '0', '--claim-delay-ms', '3600000'])), rateScale: 1000 });
    const c = connectClient(emu);
    try {
      const instanceArn = emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
      emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+12065550100'] });
      const { PhoneNumberId } = await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' }));
      const d = await c.send(new DescribePhoneNumberCommand({ PhoneNumberId }));
      expect(d.ClaimedPhoneNumberSummary?.PhoneNumberStatus?.Status).toBe('IN_PROGRESS');
    } finally {
      c.destroy();
      await emu.stop();
    }
  });

  it('npm run emulator exits 1 naming a bad flag value, and prints the usage for --help', async () => {
    const run = promisify(execFile);
    const bad = await run('npm', ['run', '-s', 'emulator', '--', '--release-delay-ms', 'x'], { cwd: REPO_ROOT }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining("invalid --release-delay-ms 'x'") });
    const help = await run('npm', ['run', '-s', 'emulator', '--', '--help'], { cwd: REPO_ROOT });
    expect(help.stdout).toBe(`${USAGE}\n`);
  }, 60_000);
});
