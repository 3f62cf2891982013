// Keeps install-time scripts out of the published package while a clone keeps building on `npm ci`.
// `prepare` (npm run build) stays in the repository's package.json; `npm pack` / `npm publish` run
// `prepack`, which builds and then calls `strip`: package.json loses its install-time scripts (saved
// byte for byte in .package.json.prepack, which `files` leaves out of the tarball), and `postpack` calls `restore`.
// A pack that failed in between is repaired by the next `strip` or `restore`.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
const saved = join(root, '.package.json.prepack');

/** Scripts npm runs when the package is installed (or, for `prepare`, installed from git or a folder). */
export const INSTALL_TIME_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];

function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

function strip() {
  restore();
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  for (const name of INSTALL_TIME_SCRIPTS) delete pkg.scripts?.[name];
  writeFileSync(saved, text);
  writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
}

const command = process.argv[2];
if (command === 'strip') strip();
else if (command === 'restore') restore();
else {
  console.error(`pack-manifest: unknown command '${command}'; use 'strip' (in prepack) or 'restore' (in postpack).`);
  process.exit(1);
}
