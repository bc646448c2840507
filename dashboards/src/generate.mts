// `npm run dashboards`: writes the generated dashboard and rules; commit what it writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifacts } from './artifacts.mts';

const root = join(import.meta.dirname, '..', '..');
for (const [path, content] of Object.entries(buildArtifacts())) {
  writeFileSync(join(root, path), content);
  process.stdout.write(`wrote ${path}\n`);
}
