import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

interface Import {
  /** The importing file, relative to src/. */
  readonly from: string;
  /** A package name, or the imported file relative to src/ (`../` when outside it). */
  readonly target: string;
  /** A file of the project rather than a package. */
  readonly local: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const imports: Import[] = sourceFiles(SRC).flatMap((file) => {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import|require\()\s*'([^']+)'/g)].map((match) => match[1]!);
  const from = relative(SRC, file);
  return specifiers.map((spec) => {
    const local = spec.startsWith('.');
    return { from, local, target: local ? relative(SRC, normalize(join(dirname(file), spec))) : spec };
  });
});

/** The layer a file (relative to src/) belongs to: its folder, or the file itself at the top. */
function layerOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path.replace(/\.ts$/, '') : path.slice(0, slash);
}

function importsOf(layer: string): Import[] {
  return imports.filter((i) => layerOf(i.from) === layer);
}

const layersImported = (list: Import[]) =>
  [...new Set(list.filter((i) => i.local).map((i) => layerOf(i.target)))].sort();

describe('layering', () => {
  it('finds the imports of every layer', () => {
    expect(importsOf('resolution').length).toBeGreaterThan(10);
    expect(importsOf('otel').length).toBeGreaterThan(10);
  });

  it('the helpers in util import nothing of the project', () => {
    expect(layersImported(importsOf('util')).filter((layer) => layer !== 'util')).toEqual([]);
  });

  it('the resolution rules import nothing from OpenTelemetry and only the helpers from outside their folder', () => {
    const list = importsOf('resolution');
    expect(list.filter((i) => i.target.startsWith('@opentelemetry'))).toEqual([]);
    expect(layersImported(list)).toEqual(['resolution', 'util']);
  });

  it('the usage readers import nothing from OpenTelemetry and only the helpers from outside their folder', () => {
    const list = importsOf('usage');
    expect(list.length).toBeGreaterThan(5);
    expect(list.filter((i) => !i.local && !i.target.startsWith('node:'))).toEqual([]);
    expect(layersImported(list).filter((layer) => layer !== 'usage' && layer !== 'util')).toEqual([]);
  });

  it('the credential resolvers never import the OpenTelemetry wiring, the SDK start or the configuration', () => {
    const list = importsOf('identity');
    expect(list.filter((i) => i.target.startsWith('@opentelemetry'))).toEqual([]);
    expect(layersImported(list).filter((layer) => ['otel', 'sdk', 'config'].includes(layer))).toEqual([]);
  });

  it('the configuration never imports the OpenTelemetry wiring or the SDK start', () => {
    expect(layersImported(importsOf('config')).filter((layer) => ['otel', 'sdk'].includes(layer))).toEqual([]);
  });

  it('the OpenTelemetry wiring never imports the SDK start', () => {
    expect(layersImported(importsOf('otel'))).not.toContain('sdk');
  });

  it('the leaf modules (public types, the configuration error) import no layer that imports them', () => {
    expect(layersImported(importsOf('config-error'))).toEqual([]);
    expect(layersImported(importsOf('types'))).toEqual(['resolution']);
  });

  it('nothing imports the entry points', () => {
    const entries = ['index', 'register', 'testing', 'cli'];
    expect(imports.filter((i) => i.local && entries.includes(layerOf(i.target)))).toEqual([]);
  });

  it('nothing in src imports the examples, the tests or the benchmark', () => {
    // The manifest is read for the version the telemetry reports; nothing else outside src/ is.
    expect(
      imports.filter((i) => i.local && i.target !== '../package.json' && /^(?:\.\.\/|demo\/)/.test(i.target)),
    ).toEqual([]);
    expect(imports.filter((i) => !i.local && i.target.startsWith('aibridge-initiator-otel'))).toEqual([]);
  });
});
