import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const require = createRequire(import.meta.url);

interface Exports {
  readonly values: string[];
  readonly types: string[];
}

/** The names an entry point's source exports, values and types apart. `export *` is refused: it exports whatever a module grows. */
function exportsOf(path: string): Exports {
  const source = read(path);
  if (/^export \*/m.test(source)) throw new Error(`${path} re-exports a whole module`);
  const values: string[] = [];
  const types: string[] = [];
  for (const [, typeOnly, list] of source.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    for (const entry of list!
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)) {
      const name = entry.split(/\s+as\s+/).at(-1)!;
      if (typeOnly !== undefined || name.startsWith('type ')) types.push(name.replace(/^type /, ''));
      else values.push(name);
    }
  }
  for (const [, kind, name] of source.matchAll(
    /^export (?:declare )?(?:abstract )?(function|class|const|let|interface|type|enum) ([A-Za-z_$][\w$]*)/gm,
  )) {
    (kind === 'interface' || kind === 'type' ? types : values).push(name!);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names the API reference (docs/api.md) lists for an entry point, by kind. */
function documented(entryPoint: string): Exports {
  const page = read('docs/api.md');
  const begin = page.indexOf('\n## API reference\n');
  if (begin === -1) throw new Error('docs/api.md has no "## API reference" section');
  const next = page.indexOf('\n## ', begin + 1);
  const section = page.slice(begin, next === -1 ? undefined : next);
  const heading = `### \`${entryPoint}\``;
  const start = section.indexOf(heading);
  if (start === -1) throw new Error(`the API reference in docs/api.md has no ${heading}`);
  const end = section.indexOf('\n### ', start + 1);
  const rows = [...section.slice(start, end === -1 ? undefined : end).matchAll(/^\| `([^`]+)` \| (\w+) \|/gm)];
  return {
    values: rows
      .filter(([, , kind]) => kind !== 'type')
      .map(([, name]) => name!)
      .sort(),
    types: rows
      .filter(([, , kind]) => kind === 'type')
      .map(([, name]) => name!)
      .sort(),
  };
}

describe('public surface', () => {
  it.each([
    ['aibridge-initiator-otel', 'src/index.ts'],
    ['aibridge-initiator-otel/testing', 'src/testing.ts'],
  ])('%s exports exactly the names docs/api.md documents', (entryPoint, source) => {
    const exported = exportsOf(source);
    expect(exported.values.length).toBeGreaterThan(0);
    expect(exported).toEqual(documented(entryPoint));
  });

  it.each([
    ['aibridge-initiator-otel', 'src/index.ts'],
    ['aibridge-initiator-otel/testing', 'src/testing.ts'],
  ])('the built %s carries at run time exactly the values its source exports', (entryPoint, source) => {
    const loaded = require(entryPoint) as Record<string, unknown>;
    expect(Object.keys(loaded).sort()).toEqual(exportsOf(source).values);
  });

  it('the preload exports nothing', () => {
    expect(exportsOf('src/register.ts')).toEqual({ values: [], types: [] });
  });
});
