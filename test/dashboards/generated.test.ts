import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifacts } from '../../dashboards/src/artifacts.mts';
import { REPO_ROOT } from '../support/gateway-process';

const artifacts = buildArtifacts();

describe('generated dashboards and rules', () => {
  it.each(Object.keys(artifacts))(
    '%s is committed exactly as dashboards/src builds it (run `npm run dashboards`)',
    (path) => {
      expect(readFileSync(join(REPO_ROOT, path), 'utf8')).toBe(artifacts[path]);
      // Untracked output would pass the comparison here and be missing from every clone.
      expect(() =>
        execFileSync('git', ['ls-files', '--error-unmatch', path], { cwd: REPO_ROOT, stdio: 'pipe' }),
      ).not.toThrow();
    },
  );
});
