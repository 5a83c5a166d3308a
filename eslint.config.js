import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/dist-qa/**',
      '.data/**',
      'e2e/results/**',
      'sfu/mediasoup-worker/out/**',
      // Mutation testing: Stryker's sandbox (mutated copies of the sources) and its reports.
      'sfu/.stryker-tmp/**',
      'sfu/reports/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workspace packages import each other by name (through their `exports`), never by a path into
    // another package's folder: a relative path couples to its layout and hides the dependency.
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    // The rig's profiles stay at the top level (the repo's layout names it there); the root is the
    // workspace container, not a package another one depends on, so the rig reads it by path.
    files: [
      'e2e/src/cli/rig-options.ts',
      'e2e/src/rig/rig.ts',
      'e2e/src/stack/devtools-browser.ts',
      'e2e/src/farm/physical-iphone.ts',
      'e2e/src/farm/push-entitlement.ts',
      'e2e/test/unit/device-profiles.test.ts',
      'e2e/test/unit/physical-iphone.test.ts',
      'e2e/test/unit/push-entitlement.test.ts',
    ],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
  {
    // Setup runs before `npm ci` has linked the workspaces, so it reaches the worker build by path.
    files: ['scripts/setup.mjs'],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
  {
    files: ['web/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
