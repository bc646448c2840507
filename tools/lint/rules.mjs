// The project's ESLint configuration, loaded by eslint.config.mjs at the root. It lives here, beside
// its own dependencies (package.json in this folder), because typescript-eslint parses with the
// compiler API of TypeScript 6 while the project builds with TypeScript 7, whose package has none.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', 'coverage/']),
  js.configs.recommended,
  // Type-aware: the checks that matter most here are about promises (a floating one is a fault that
  // escapes the plugin's guards) and those need types.
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file is checked with the tsconfig.json nearest to it. Scripts run by Node directly
        // (their imports name .mts files) and declaration stubs that no nearest tsconfig includes
        // are checked with the tests' settings, which allow those imports.
        projectService: {
          allowDefaultProject: ['vitest.config.mts', 'bench/*.mts', 'dashboards/src/*.mts', 'examples/*/*.d.cts'],
          defaultProject: 'test/tsconfig.json',
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
        },
        tsconfigRootDir: root,
      },
    },
  },
  {
    rules: {
      // A leading underscore says "unused on purpose" (an interface's parameter, a skipped element).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // Plain JavaScript (fixtures, CommonJS gateways): no types to check against.
    files: ['**/*.{js,cjs,mjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    plugins: { 'import-x': importX },
    settings: {
      // Where TypeScript files are read as modules, and how their imports resolve.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.mts', '.cts', '.d.ts', '.js', '.mjs', '.cjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] },
        }),
      ],
    },
    rules: {
      // A module that imports itself through others: load order then decides what is undefined.
      'import-x/no-cycle': 'error',
    },
  },
);
