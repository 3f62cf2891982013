/**
 * Regenerates `phone-number-api.json` (beside this file) from the shared reference extract
 * `../shared/reference/phone-number-api.json` (relative to the repository root), dropping the `doc`
 * strings. The emulator reads only the vendored copy, so it runs from a fresh clone without the
 * shared reference directory.
 *
 *   npx ts-node --transpile-only local/emulator/model/generate.ts [path/to/phone-number-api.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'doc') continue;
      out[k] = strip(v);
    }
    return out;
  }
  return value;
}

function main(): void {
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const source = process.argv[2] ?? path.resolve(repoRoot, '..', 'shared', 'reference', 'phone-number-api.json');
  const target = path.join(__dirname, 'phone-number-api.json');
  const raw = JSON.parse(fs.readFileSync(source, 'utf8')) as Record<string, unknown>;
  const out = { vendoredFrom: 'shared/reference/phone-number-api.json (doc strings removed)', ...(strip(raw) as Record<string, unknown>) };
  fs.writeFileSync(target, JSON.stringify(out, null, 1) + '\n');
  process.stdout.write(`wrote ${target}\n`);
}

main();
