// Bundles lambda/index.ts with its SDK clients and logger into dist/handler/index.js, the asset the
// constructs load with Code.fromAsset, and writes dist/handler/THIRD-PARTY-LICENSES: the licence and
// notice files of every package whose code the bundle contains. Runs in `prepare`, so `npm ci` leaves
// a clone ready to synth, and in `prepack`, so a packed tarball ships both.
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'lambda', 'index.ts');
const outDir = join(root, 'dist', 'handler');
if (!existsSync(entry)) {
  console.error(`bundle-handler: ${entry} does not exist`);
  process.exit(1);
}
const result = await build({
  entryPoints: [entry],
  outfile: join(outDir, 'index.js'),
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
  // The SDK and Powertools carry almost no legal comments; their licences are collected from their
  // packages instead (THIRD-PARTY-LICENSES below).
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The package.json that owns a file: the nearest one above it with a name and a version. */
function owningPackage(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.name && pkg.version) return { dir, pkg };
  }
  throw new Error(`bundle-handler: no package.json with a name and version owns ${file}`);
}

const LEGAL_FILE = /^(LICEN[CS]E|NOTICE|COPYING|COPYRIGHT|CopyrightNotice)([.-].*)?$/i;

/** The third-party packages whose code esbuild put into the bundle, by name@version. */
function bundledPackages(metafile) {
  const packages = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(metafile.outputs)[0].inputs)) {
    if (bytesInOutput === 0) continue;
    const file = resolve(root, input);
    if (!relative(root, file).split(/[\\/]/).includes('node_modules')) continue; // this project's own code
    const { dir, pkg } = owningPackage(file);
    packages.set(`${pkg.name}@${pkg.version}`, { dir, pkg });
  }
  return [...packages.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// The standard texts of the licences some packages declare in package.json without shipping a file.
const MIT_0 = `MIT No Attribution

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify,
merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;
const STANDARD_TEXTS = { 'Apache-2.0': () => readFileSync(join(root, 'LICENSE'), 'utf8').trimEnd(), 'MIT-0': () => MIT_0 };

function packageSection(id, dir, pkg, standardTextsUsed) {
  const files = readdirSync(dir)
    .filter((f) => LEGAL_FILE.test(f))
    .sort();
  const licence = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN');
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const head = [`${id}`, `License: ${licence}`, ...(repository ? [`Repository: ${repository}`] : [])];
  if (files.length > 0) return [...head, ...files.map((f) => `\n${f}:\n\n${readFileSync(join(dir, f), 'utf8').trimEnd()}`)].join('\n');
  if (!STANDARD_TEXTS[licence]) {
    throw new Error(`bundle-handler: ${id} (${dir}) ships no licence file and declares '${licence}', which has no standard text here`);
  }
  standardTextsUsed.add(licence);
  return [
    ...head,
    '',
    `The package ships no licence file; its package.json declares ${licence}, whose text is at the end of this file.`,
  ].join('\n');
}

function licenceText(packages) {
  const standardTextsUsed = new Set();
  const sections = packages.map(([id, { dir, pkg }]) => packageSection(id, dir, pkg, standardTextsUsed));
  const intro =
    'Third-party software in dist/handler/index.js (the cdk-phone-numbers custom resource handler bundle).\n' +
    `Each of the ${packages.length} packages below has code in the bundle. Written by scripts/bundle-handler.mjs.`;
  const texts = [...standardTextsUsed]
    .sort()
    .map((licence) => `${licence}, for the packages above that ship no licence file:\n\n${STANDARD_TEXTS[licence]()}`);
  return [intro, ...sections, ...texts].join(`\n\n${'-'.repeat(100)}\n\n`) + '\n';
}

writeFileSync(join(outDir, 'THIRD-PARTY-LICENSES'), licenceText(bundledPackages(result.metafile)));
