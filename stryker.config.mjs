// @ts-check
/**
 * `npm run mutation`: StrykerJS over lambda/, on demand (not in CI, not in `npm test`). docs/mutation.md
 * says how to run it, what it found and what was not run.
 *
 * A full run over lambda/ takes hours on a small machine, so a run is scoped with MUTATION_SCOPE: the
 * files it mutates and the only jest files it runs (those of test/lambda that exercise them), e.g.
 *   MUTATION_SCOPE=binding nice -n 19 npm run mutation
 * Without MUTATION_SCOPE, every file of lambda/ against every test of test/lambda. Each scope keeps its own
 * incremental file under reports/ (not committed): a second run tests only the mutants whose code or tests changed.
 */
const SCOPES = {
  binding: {
    mutate: ['lambda/resources/phone-number-flow-binding.ts'],
    tests: ['test/lambda/phone-number-flow-binding.test.ts', 'test/lambda/mutation-binding*.test.ts'],
  },
  'voice-connector': {
    mutate: ['lambda/resources/voice-connector-numbers.ts'],
    tests: ['test/lambda/voice-connector-numbers.test.ts', 'test/lambda/mutation-voice-connector*.test.ts'],
  },
  claimed: {
    mutate: ['lambda/resources/claimed-phone-number/**/*.ts'],
    tests: ['test/lambda/claimed-phone-number*.test.ts', 'test/lambda/mutation-claimed*.test.ts'],
  },
  /** The shared modules: events, retries, clients, the contract (validators, ARNs), stack reads. */
  core: {
    mutate: ['lambda/*.ts', 'lambda/contract/**/*.ts'],
    tests: ['test/lambda/**/*.test.ts'],
  },
  all: {
    mutate: ['lambda/**/*.ts'],
    tests: ['test/lambda/**/*.test.ts'],
  },
};

const name = process.env.MUTATION_SCOPE ?? 'all';
const scope = SCOPES[/** @type {keyof typeof SCOPES} */ (name)];
if (!scope) throw new Error(`unknown MUTATION_SCOPE '${name}': use one of ${Object.keys(SCOPES).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Only the jest files of the scope: test/local and test/contract run the bundled handler (dist/), not the mutated source.
    // maxWorkers 1: jest runs the files in band, in Stryker's own worker, instead of starting two fresh jest
    // workers (each loading the AWS SDK again) for every mutant.
    config: { testMatch: scope.tests.map((t) => `<rootDir>/${t}`), maxWorkers: 1 },
    // Of the scope's jest files, only those that import the mutated file (jest --findRelatedTests); with
    // coverageAnalysis perTest, only the tests that reached the mutant in the dry run are run in them.
    enableFindRelatedTests: true,
  },
  plugins: ['@stryker-mutator/*', './scripts/stryker-ignore-logs.mjs'],
  ignorers: ['logs'],
  checkers: ['typescript'],
  // The checker type-checks lambda/ only (what is mutated), not the whole project (lib, local, test, bench):
  // several times faster here, and the tests run transpiled (ts-jest, isolatedModules) whatever their types.
  tsconfigFile: 'tsconfig.stryker.json',
  // Mutated lambda/ files are type-checked by the checker; ts-jest must not reject the instrumented copies.
  disableTypeChecks: 'lambda/**/*.ts',
  coverageAnalysis: 'perTest',
  mutate: scope.mutate,
  // Stryker splits this between checkers and test runners (4: two of each; 2: one of each). Run at
  // nice -n 19, they take only the CPU the other work leaves idle. STRYKER_CONCURRENCY=2 for fewer.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 4),
  timeoutMS: 20000,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  ignorePatterns: ['dist', 'cdk.out', 'coverage', 'bench/results.json'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
