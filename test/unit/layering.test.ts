import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RESOLUTION_DIR = fileURLToPath(new URL('../../src/resolution', import.meta.url));

describe('layering', () => {
  it('the resolution rules import nothing from OpenTelemetry or the layers above them', () => {
    const files = readdirSync(RESOLUTION_DIR).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const source = readFileSync(join(RESOLUTION_DIR, name), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((spec) => spec?.startsWith('@opentelemetry') || (spec?.startsWith('..') && !spec.startsWith('../util/'))), name).toEqual([]);
    }
  });
});
