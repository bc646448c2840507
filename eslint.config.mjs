// ESLint's rules and plugins live in tools/lint, which has its own dependencies: see the note there.
export { default } from './tools/lint/rules.mjs';
