// ESLint (flat config): typescript-eslint's recommended rules, with formatting left to Prettier.
// Folder boundaries (environment in config/, drivers and SQL in storage/, no folder cycles) are
// checked by test/architecture.spec.ts, which names the offending file and import; the driver and
// storage-implementation imports are ESLint rules too (below), so editors show them.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'coverage/', 'test-artifacts/', 'scratch/', 'helm/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Unused names are compile errors already (noUnusedLocals / noUnusedParameters); a leading _ marks intent.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest and test code legitimately build objects of `any` shape from JSON in a few places.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Import boundaries, reported in the editor as well as by test/architecture.spec.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['better-sqlite3', 'pg', 'pgvector', 'sqlite-vec'].map((name) => ({ name, message: 'Database drivers belong in src/storage/.' })),
          patterns: [
            {
              group: ['**/storage/*/*'],
              message: 'Depend on the storage roles (storage/*.ts); only storage/ and cli/ reach into a backend folder.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI starts servers and runs storage-level tools (migrate, backups) directly.
    files: ['src/cli/**/*.ts', 'src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        localStorage: 'readonly',
        sessionStorage: 'readonly',
        EventSource: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        history: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        requestAnimationFrame: 'readonly',
        AbortController: 'readonly',
        Intl: 'readonly',
        URLSearchParams: 'readonly',
        Blob: 'readonly',
        FormData: 'readonly',
        HTMLElement: 'readonly',
        Event: 'readonly',
        KeyboardEvent: 'readonly',
        CustomEvent: 'readonly',
      },
    },
  },
  prettier,
);
