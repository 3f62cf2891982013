// Bundles lambda/index.ts with its SDK clients and logger into dist/handler/index.js, the asset the
// constructs load with Code.fromAsset. Runs in `prepare`, so `npm ci` leaves the package ready to synth.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'lambda', 'index.ts');
if (!existsSync(entry)) {
  console.error(`bundle-handler: ${entry} does not exist`);
  process.exit(1);
}
await build({
  entryPoints: [entry],
  outfile: join(root, 'dist', 'handler', 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // The SDK's ES module builds let esbuild drop the commands the handler never sends (Connect has
  // hundreds): a third smaller bundle that loads in about half the time (bench/cold-start.ts).
  mainFields: ['module', 'main'],
  // Those builds import node built-ins lazily with import(): as require() they load in any host,
  // the in-process local deploy (a vm context) included.
  supported: { 'dynamic-import': false },
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
