// Bundles cli/index.ts (the `cdk-phone-numbers` command: `audit`) with the AWS SDK clients it reads with
// into dist/cli/index.js, the package's `bin`: it runs from the packed package with nothing else installed.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'cli', 'index.ts');
if (!existsSync(entry)) {
  console.error(`bundle-cli: ${entry} does not exist`);
  process.exit(1);
}
await build({
  entryPoints: [entry],
  outfile: join(root, 'dist', 'cli', 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  banner: { js: '#!/usr/bin/env node' },
  // Reached only by code paths the command never takes (synthesizing the example app, a template
  // from a Stack object): the installing app has them as peers anyway.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
