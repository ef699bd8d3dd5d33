// Lint: a few high-value rules (promises, module boundaries), type-aware.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The browser globals the app uses (TypeScript checks the rest; listed so plain rules know them too).
const BROWSER_GLOBALS = Object.fromEntries(
  ['window', 'document', 'navigator', 'location', 'history', 'fetch', 'Response', 'Request', 'Headers', 'URL', 'Event', 'TextEncoder', 'btoa', 'atob', 'console', 'HTMLElement', 'HTMLInputElement', 'HTMLButtonElement', 'HTMLHeadingElement', 'HTMLAnchorElement']
    .map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['vitest.config.ts', 'dist/**', 'node_modules/**', 'web/dist/**', 'test-results/**', 'forgeline-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an as-const array and a derived union.' }],
    },
  },
  {
    // Folders talk to each other only through their index.ts.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^\\.\\./(domain|store|crypto|audit|access|orders|server|cli|config|devices|agent)/(?!index\\.js$)',
          message: 'Import another folder through its index.js.',
        }],
      }],
    },
  },
  {
    // The browser app: typed by web/tsconfig.json (found by projectService), run in a browser.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: { globals: BROWSER_GLOBALS },
  },
  { files: ['**/*.js'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
);
