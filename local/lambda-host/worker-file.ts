/**
 * The JavaScript file a worker thread runs (./worker.ts, compiled). Node runs a worker from a .js file,
 * and the tests, `npm start` and the bench run this module from its .ts sources (ts-jest, ts-node), so
 * the entry is compiled here with esbuild (a dev dependency: a fresh clone has it after `npm ci`) into
 * the OS temp directory, named by a hash of its sources: an edited worker.ts is compiled again, an
 * unchanged one once per machine. Run from compiled JavaScript, the sibling worker.js is used as is.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SOURCES = ['worker.ts', 'protocol.ts'];
let compiled: string | undefined;

/** The path of the worker entry, compiled if need be. */
export function workerEntryFile(): string {
  if (compiled) return compiled;
  const sibling = path.join(__dirname, 'worker.js');
  if (path.extname(__filename) === '.js' && fs.existsSync(sibling)) return (compiled = sibling);
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(fs.readFileSync(path.join(__dirname, f)));
  const file = path.join(os.tmpdir(), 'cdk-phone-numbers-lambda-host', `worker-${hash.digest('hex').slice(0, 16)}.js`);
  if (!fs.existsSync(file)) build(file);
  return (compiled = file);
}

function build(file: string): void {
  // Loaded only when a compile is needed: esbuild is a dev dependency.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    logLevel: 'silent',
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written under another name, then renamed: parallel test processes never run a half-written file.
  const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(partial, result.outputFiles[0].text);
  fs.renameSync(partial, file);
}
