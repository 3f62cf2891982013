/** The small parts of npm start: flags, colour, tables, seeded numbers, and timings that mirror the Provider's. */
import { MAX_POLLS, POLL_INTERVAL_MS } from '../../../local/start/stand-in';
import { parseArgs } from '../../../local/start/args';
import { countryOf, numbersForSearch } from '../../../local/start/seed';
import { ownerLabel } from '../../../local/start/state-table';
import { colorEnabled, formatDuration, formatTable, makeStyle } from '../../../local/start/style';
import { QUERY_INTERVAL, TOTAL_TIMEOUT } from '../../../lib/private/provider';

describe('npm start flags', () => {
  it('reads every flag, and --app in both forms', () => {
    expect(parseArgs([])).toEqual({ deployOnly: false, keep: false, appDir: undefined, noColor: false, help: false });
    expect(parseArgs(['--deploy-only', '--keep', '--no-color', '--app', 'cdk.out'])).toEqual({
      deployOnly: true,
      keep: true,
      appDir: 'cdk.out',
      noColor: true,
      help: false,
    });
    expect(parseArgs(['--app=out/asm', '-h'])).toMatchObject({ appDir: 'out/asm', help: true });
  });

  it('fails on an unknown flag, naming it, and on --app without a directory', () => {
    expect(() => parseArgs(['--deploy'])).toThrow(/^unknown flag '--deploy'\nusage: npm start -- /);
    expect(() => parseArgs(['--app'])).toThrow('--app needs a directory (a cloud assembly such as cdk.out), got nothing');
    expect(() => parseArgs(['--app', '--keep'])).toThrow("got '--keep'");
  });
});

describe('colour', () => {
  it('is on only on a terminal, without --no-color and without a non-empty NO_COLOR', () => {
    expect(colorEnabled(false, true, {})).toBe(true);
    expect(colorEnabled(false, true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(false, true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, true, {})).toBe(false);
    expect(colorEnabled(false, false, {})).toBe(false);
    expect(colorEnabled(false, undefined, {})).toBe(false);
  });
});

describe('tables', () => {
  it('aligns columns by their visible width, colour codes aside', () => {
    const style = makeStyle(true);
    const lines = formatTable(
      ['a', 'status'],
      [
        [style.green('CLAIMED'), 'x'],
        ['bb', 'yy'],
      ],
      makeStyle(false),
    );
    expect(lines).toEqual(['a        status', `${style.green('CLAIMED')}  x`, 'bb       yy']);
  });

  it('shows simulated durations as m:ss, and h:mm:ss past an hour', () => {
    expect([formatDuration(0), formatDuration(40_000), formatDuration(3_725_000)]).toEqual(['0:00', '0:40', '1:02:05']);
  });

  it('shows the owner tag without the request marker, saying whether the number was claimed or adopted', () => {
    expect(ownerLabel('Phones/MainLineA1AAEFE0@a0123456789a')).toBe('Phones/MainLineA1AAEFE0 (adopted)');
    expect(ownerLabel('Phones/Support@c0123456789a')).toBe('Phones/Support (claimed)');
    expect(ownerLabel(undefined)).toBe('- (no owner tag)');
  });
});

describe('numbers seeded from a template', () => {
  it('finds three numbers for a search, at the national length of the prefix or country', () => {
    expect(numbersForSearch('US', '+1206')).toEqual(['+12065555510', '+12065555511', '+12065555512']);
    expect(numbersForSearch('GB', undefined)).toEqual(['+445555555510', '+445555555511', '+445555555512']);
    expect(numbersForSearch('ZZ', undefined)).toBeUndefined();
  });

  it("tells a number's country by its longest matching calling code", () => {
    expect([countryOf('+12065550100'), countryOf('+442079460000'), countryOf('+353123456789'), countryOf('+999123')]).toEqual([
      'US',
      'GB',
      'IE',
      undefined,
    ]);
  });
});

describe('the compressed clock', () => {
  it('polls as often and as long as the Provider of lib/private/provider.ts', () => {
    expect(POLL_INTERVAL_MS).toBe(QUERY_INTERVAL.toMilliseconds());
    expect(MAX_POLLS * POLL_INTERVAL_MS).toBe(TOTAL_TIMEOUT.toMilliseconds());
  });
});
