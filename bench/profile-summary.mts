// What a V8 CPU profile (`--cpu-prof`) says, summed: self time by function and by where the code
// lives (this package, the OpenTelemetry packages, other dependencies, Node itself, the gateway).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function placeOf(url: string): string {
  if (url.includes('/node_modules/@opentelemetry/')) return 'OpenTelemetry SDK and instrumentations';
  if (url.includes('/node_modules/')) return 'other dependencies';
  if (url.includes('/dist/')) return 'aibridge-initiator-otel';
  if (url.startsWith('node:')) return 'Node.js';
  if (url.includes('/bench/')) return 'the benchmark gateway and its provider';
  return 'native code (system calls among it), garbage collection';
}

/** The summary as lines: shares of the busy samples (idle ones left out), largest first. */
export function summarizeProfile(path: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += delta;
      return;
    }
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
    const place = placeOf(frame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + delta);
    total += delta;
  });
  const share = (value: number) => `${((100 * value) / total).toFixed(1).padStart(5)}%`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return [
    `busy ${((100 * total) / (total + idle)).toFixed(0)}% of the profile; shares of the busy time`,
    '',
    'self time by where the code lives:',
    ...sorted(byPlace).map(([place, value]) => `${share(value)}  ${place}`),
    '',
    `self time by function (top ${top}):`,
    ...sorted(byFunction)
      .slice(0, top)
      .map(([name, value]) => `${share(value)}  ${name}`),
  ];
}
