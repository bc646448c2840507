// Every relative link of the README, the changelog and the docs resolves: to a file or directory of
// the repository, and, with a #fragment, to a heading of the target page as GitHub names it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingAnchor } from '../../dashboards/src/options.mts';
import { REPO_ROOT } from '../support/gateway-process';

const PAGES = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The page's prose: fenced and indented code blocks left out, inline code kept as a word. */
function prose(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker.startsWith(fence)) fence = undefined;
      lines.push('');
    } else if (marker !== undefined) {
      fence = marker;
      lines.push('');
    } else lines.push(/^ {4}/.test(line) ? '' : line.replace(/`[^`]*`/g, (code) => code.replace(/[[\]()]/g, '')));
  }
  return lines;
}

/** The anchors GitHub gives a page's headings; a repeated heading gets -1, -2, ... */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const anchor = headingAnchor(heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  }
  return anchors;
}

/** What is wrong with each relative link of a page (at `path`, from the repository root): nothing when it resolves. */
function brokenLinks(path: string, text: string, read = (file: string) => readFileSync(file, 'utf8')): string[] {
  const problems: string[] = [];
  prose(text).forEach((line, index) => {
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto: and the like
      const where = `${path}:${index + 1}: ${target}`;
      const [file, anchor] = target!.split('#', 2) as [string, string | undefined];
      const absolute = file === '' ? join(REPO_ROOT, path) : resolve(REPO_ROOT, dirname(path), decodeURI(file));
      if (relative(REPO_ROOT, absolute).startsWith('..')) problems.push(`${where}: outside the repository`);
      else if (!existsSync(absolute)) problems.push(`${where}: no such file`);
      else if (anchor !== undefined) {
        if (!absolute.endsWith('.md')) problems.push(`${where}: an anchor into a file that is not Markdown`);
        else if (!anchorsOf(read(absolute)).has(anchor))
          problems.push(`${where}: no heading has the anchor #${anchor}`);
      }
    }
  });
  return problems;
}

describe('links in the README, the changelog and the docs', () => {
  it('covers the README, the changelog and a page per docs topic', () => {
    expect(PAGES).toContain('docs/README.md');
    expect(PAGES.length).toBeGreaterThan(10);
  });

  it.each(PAGES)('%s: every relative link reaches a file, and every anchor a heading', (page) => {
    expect(brokenLinks(page, readFileSync(join(REPO_ROOT, page), 'utf8'))).toEqual([]);
  });

  it('every docs page is linked from the index, docs/README.md', () => {
    const index = readFileSync(join(REPO_ROOT, 'docs/README.md'), 'utf8');
    for (const page of PAGES.filter((p) => p.startsWith('docs/') && p !== 'docs/README.md'))
      expect(index, page).toContain(`](${page.slice('docs/'.length)})`);
  });

  it('reports what does not resolve: a missing file, a missing heading, a bad in-page anchor', () => {
    const page = [
      '# A page',
      '',
      '## Its `second` heading',
      '',
      'Good: [here](#its-second-heading), [the docs](docs/README.md), [runbooks](docs/runbooks.md#aibridgemetricsabsent).',
      'Bad: [gone](docs/no-such-page.md), [nowhere](#no-such-heading), [wrong](docs/runbooks.md#AIBridgeMetricsAbsent).',
      '',
      '```',
      '[in code](not-checked.md)',
      '```',
    ].join('\n');
    expect(
      brokenLinks('README.md', page, (file) =>
        file === join(REPO_ROOT, 'README.md') ? page : readFileSync(file, 'utf8'),
      ),
    ).toEqual([
      'README.md:6: docs/no-such-page.md: no such file',
      'README.md:6: #no-such-heading: no heading has the anchor #no-such-heading',
      'README.md:6: docs/runbooks.md#AIBridgeMetricsAbsent: no heading has the anchor #AIBridgeMetricsAbsent',
    ]);
  });
});
