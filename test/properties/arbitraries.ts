import fc from 'fast-check';

export const VALID_V4 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const HEX = '0123456789abcdef'.split('');

/** A canonical UUIDv4, in any case. */
export const uuidV4 = fc
  .tuple(
    fc.array(fc.constantFrom(...HEX), { minLength: 8, maxLength: 8 }),
    fc.array(fc.constantFrom(...HEX), { minLength: 4, maxLength: 4 }),
    fc.array(fc.constantFrom(...HEX), { minLength: 3, maxLength: 3 }),
    fc.constantFrom('8', '9', 'a', 'b'),
    fc.array(fc.constantFrom(...HEX), { minLength: 3, maxLength: 3 }),
    fc.array(fc.constantFrom(...HEX), { minLength: 12, maxLength: 12 }),
    fc.boolean(),
  )
  .map(([a, b, c, variant, d, e, upper]) => {
    const uuid = `${a.join('')}-${b.join('')}-4${c.join('')}-${variant}${d.join('')}-${e.join('')}`;
    return upper ? uuid.toUpperCase() : uuid;
  });

// Characters that look like those of a UUID without being them.
const LOOK_ALIKES = ['０', '１', '４', 'ａ', 'Ａ', 'а', 'е', 'ƅ', '‐', '−', '–', '\u00ad', '\u200b', '\u0000'];

/** A valid UUIDv4 with one character changed, removed, added, or swapped for a look-alike. */
export const nearUuid = fc
  .tuple(
    uuidV4,
    fc.nat(35),
    fc.constantFrom('replace', 'delete', 'insert', 'lookalike'),
    fc.constantFrom(...HEX, '-', 'g', 'z', ' ', '{', '}'),
    fc.constantFrom(...LOOK_ALIKES),
  )
  .map(([uuid, at, how, char, lookalike]) => {
    if (how === 'delete') return uuid.slice(0, at) + uuid.slice(at + 1);
    if (how === 'insert') return uuid.slice(0, at) + char + uuid.slice(at);
    if (how === 'lookalike') return uuid.slice(0, at) + lookalike + uuid.slice(at + 1);
    return uuid.slice(0, at) + char + uuid.slice(at + 1);
  });

const payloads = fc.constantFrom(
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  `${VALID_V4}\r\nX-Injected: 1`,
  `${VALID_V4}\n`,
  `urn:uuid:${VALID_V4}`,
  `{${VALID_V4}}`,
  ` ${VALID_V4}`,
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  "' OR 1=1 --",
  '%00',
  '',
);

/** Anything a hostile client might put in the owner header. */
export const ownerValue: fc.Arbitrary<string | string[]> = fc.oneof(
  { weight: 3, arbitrary: uuidV4 },
  { weight: 3, arbitrary: nearUuid },
  { weight: 2, arbitrary: payloads },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 37, max: 16_000 }).map((n) => 'a'.repeat(n)) },
  { weight: 2, arbitrary: fc.array(fc.oneof(uuidV4, nearUuid, payloads), { minLength: 2, maxLength: 4 }) },
  { weight: 1, arbitrary: uuidV4.map((uuid) => [uuid]) },
);

/** A header name in any letter case. */
export function anyCase(name: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flags) => [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));
}

export const userAgent = fc.oneof(
  fc.constantFrom(
    'coder-agents/2.24.1',
    'Coder-Agents/1.0',
    'CODER-AGENTS/9 (spoof)',
    'claude-cli/1.0',
    'codex_cli_rs/0.2',
    'curl/8',
    ' coder-agents/1',
    'coder-agents',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

export const token = fc.oneof(
  fc.constantFrom('sk-svc-property-test-token-0001', 'sk-user-property-test-token-0002'),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,60}$/),
);
