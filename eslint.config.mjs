import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '.stryker-tmp/', 'reports/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A warning, not an error: it points at functions worth splitting without failing CI. 20 is ESLint's
      // own default; ESLint 9 also counts `?.`, `??`, `||=` and default parameters as branches, so a
      // lower bound (McCabe's 10) flags short idiomatic functions (59 of them here on 2026-11-30) and
      // buries the few that really are hard to follow (30 to 50 paths) in noise.
      complexity: ['warn', 20],
      // Prettier (.prettierrc.json) wraps code at 140 columns; this holds comments to the same limit.
      // Strings, template literals and regular expressions stay whole (a message or a pattern is easier
      // to find, and to grep for, on one line).
      'max-len': ['error', { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
);
