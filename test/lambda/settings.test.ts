import * as fs from 'node:fs';
import * as path from 'node:path';
import { handler } from '../../lambda/index';
import {
  checkSettings,
  readSetting,
  SettingInvalidError,
  SETTINGS,
  settingsEnvironment,
  SettingUnknownError,
  type SettingName,
} from '../../lambda/settings';
import type { Emulator } from '../../local/emulator';
import { CLAIMED, claimedProps, createEvent, operations, startTestEmulator, usNumbers } from './fixtures';

const NAMES = Object.keys(SETTINGS) as SettingName[];
const INSTANCE_ID = '11111111-1111-4111-8111-111111111111';
const INSTANCE_ARN = `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE_ID}`;

describe('handler settings (lambda/settings.ts)', () => {
  it.each(NAMES)('%s: unset or empty is the default', (name) => {
    expect(readSetting(name, {})).toBe(SETTINGS[name].defaultMs);
    expect(readSetting(name, { [SETTINGS[name].env]: '' })).toBe(SETTINGS[name].defaultMs);
    expect(readSetting(name, { [SETTINGS[name].env]: '  ' })).toBe(SETTINGS[name].defaultMs);
  });

  it.each(NAMES)('%s: a whole number of milliseconds at or above the minimum is taken as it is', (name) => {
    const { env, minMs } = SETTINGS[name];
    expect(readSetting(name, { [env]: String(minMs) })).toBe(minMs);
    expect(readSetting(name, { [env]: '1234' })).toBe(1234);
  });

  it.each(NAMES.flatMap((name) => ['5s', '-1', '1.5', 'abc', '1e3', 'NaN'].map((raw) => [name, raw] as const)))(
    '%s=%s is refused, naming the variable, the value and the fix',
    (name, raw) => {
      const { env, defaultMs } = SETTINGS[name];
      const read = () => readSetting(name, { [env]: raw });
      expect(read).toThrow(SettingInvalidError);
      expect(read).toThrow(
        new RegExp(`${env}="${raw.replace('.', '\\.')}" is not a valid setting.*unset it for the default \\(${defaultMs}\\)`),
      );
    },
  );

  it('refuses a value under the minimum (a request timeout of 0 would time every call out)', () => {
    expect(SETTINGS.requestTimeoutMs.minMs).toBe(1);
    expect(() => readSetting('requestTimeoutMs', { PHONE_NUMBERS_REQUEST_TIMEOUT_MS: '0' })).toThrow(/at least 1/);
    expect(readSetting('settleWaitMs', { PHONE_NUMBERS_SETTLE_WAIT_MS: '0' })).toBe(0);
  });

  it('refuses an unknown PHONE_NUMBERS_ variable (a typo), naming the closest setting', () => {
    const check = () => checkSettings({ PHONE_NUMBERS_RETRY_BASE_DELAY: '1', HOME: '/root' });
    expect(check).toThrow(SettingUnknownError);
    expect(check).toThrow(/PHONE_NUMBERS_RETRY_BASE_DELAY \(did you mean PHONE_NUMBERS_RETRY_BASE_DELAY_MS\?\) is not a setting/);
    expect(() => checkSettings({ PHONE_NUMBERS_SETTLE_WAIT: '1' })).toThrow(/did you mean PHONE_NUMBERS_SETTLE_WAIT_MS/);
  });

  it('accepts an environment with every setting valid, and one with none', () => {
    expect(() => checkSettings({})).not.toThrow();
    const all = settingsEnvironment(Object.fromEntries(NAMES.map((name) => [name, SETTINGS[name].minMs + 7])));
    expect(Object.keys(all).sort()).toEqual(NAMES.map((name) => SETTINGS[name].env).sort());
    expect(() => checkSettings(all)).not.toThrow();
    for (const name of NAMES) expect(readSetting(name, all)).toBe(SETTINGS[name].minMs + 7);
  });

  it('settingsEnvironment writes only the settings given, and refuses values the handler would refuse', () => {
    expect(settingsEnvironment({ retryBaseDelayMs: 1, settleWaitMs: 0 })).toEqual({
      PHONE_NUMBERS_RETRY_BASE_DELAY_MS: '1',
      PHONE_NUMBERS_SETTLE_WAIT_MS: '0',
    });
    expect(() => settingsEnvironment({ requestTimeoutMs: 0 })).toThrow(SettingInvalidError);
    expect(() => settingsEnvironment({ settlePollMs: 2.5 })).toThrow(/PHONE_NUMBERS_SETTLE_POLL_MS="2.5"/);
  });

  it('the README lists every setting with its default', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const name of NAMES) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${SETTINGS[name].env}\``));
      expect(row).toBeDefined();
      expect(row!.replace(/[\s_,]/g, '')).toContain(String(SETTINGS[name].defaultMs));
    }
  });

  describe('in the handler', () => {
    let emulator: Emulator;
    beforeEach(async () => {
      emulator = await startTestEmulator();
      emulator.seedInstance({ instanceId: INSTANCE_ID });
      emulator.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: usNumbers(2) });
    });
    afterEach(async () => {
      delete process.env.PHONE_NUMBERS_SETTLE_WAIT;
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '0';
      await emulator.stop();
    });

    /** The isComplete poll of a create (the one that claims), as the Provider framework sends it. */
    async function claimingPoll(): Promise<Record<string, unknown>> {
      const create = createEvent(CLAIMED, claimedProps({ TargetArn: INSTANCE_ARN, CountryCode: 'US' }));
      const answered = await handler(create);
      return { ...create, ...answered };
    }

    it('a poll with valid settings claims (the control of the two cases below)', async () => {
      const poll = await claimingPoll();
      await handler(poll as never);
      expect(operations(emulator)).toContain('ClaimPhoneNumber');
    });

    it('fails the event before any AWS call when a setting is mistyped', async () => {
      const poll = await claimingPoll();
      process.env.PHONE_NUMBERS_SETTLE_WAIT = '0';
      await expect(handler(poll as never)).rejects.toThrow(/PHONE_NUMBERS_SETTLE_WAIT \(did you mean PHONE_NUMBERS_SETTLE_WAIT_MS\?\)/);
      expect(operations(emulator)).toEqual([]);
    });

    it('fails the event before any AWS call when a setting is malformed', async () => {
      const poll = await claimingPoll();
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '3min';
      await expect(handler(poll as never)).rejects.toThrow(/PHONE_NUMBERS_SETTLE_WAIT_MS="3min" is not a valid setting/);
      expect(operations(emulator)).toEqual([]);
    });
  });
});
