import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import { layersPlugin } from './scripts/import-layers.js'

const electronOnlyInApp = {
  patterns: [{ group: ['electron', 'electron/*'], message: 'Electron may be imported only in main/app and preload (docs/DESIGN.md: Electron lives in one place).' }],
}
const engineIsPure = {
  paths: [
    { name: 'electron', message: 'main/engine is pure TypeScript: no Electron.' },
    { name: 'fs', message: 'main/engine is pure TypeScript: do file I/O in main/runtime.' },
    { name: 'node:fs', message: 'main/engine is pure TypeScript: do file I/O in main/runtime.' },
    { name: 'fs/promises', message: 'main/engine is pure TypeScript: do file I/O in main/runtime.' },
    { name: 'node:fs/promises', message: 'main/engine is pure TypeScript: do file I/O in main/runtime.' },
  ],
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.device/**', 'resources/**', 'scratch/**'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'no-restricted-imports': ['error', electronOnlyInApp],
    },
  },
  {
    // Each folder imports only the folders below it: the order is in scripts/import-layers.js.
    files: ['main/**/*.ts', 'renderer/src/**/*.{ts,vue}', 'preload/**/*.ts', 'tests/reference/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports-go-down': 'error' },
  },
  {
    files: ['main/app/**', 'preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['main/engine/**'],
    rules: { 'no-restricted-imports': ['error', { ...engineIsPure, ...electronOnlyInApp }] },
  },
)
