import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { isCanonicalUuidV4 } from '../../src/resolution/owner-header';
import { nearUuid, uuidV4 } from './arbitraries';

// The owner-header check is written by hand for speed; the `uuid` library is the reference it must
// agree with on every input.
const SEED = Number(process.env.PROPERTY_SEED ?? 20261128);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100_000);

function reference(value: string): boolean {
  return validate(value) && version(value) === 4;
}

const candidates = fc.oneof(
  uuidV4,
  nearUuid,
  fc.string({ unit: 'binary', minLength: 36, maxLength: 36 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-4gG'), minLength: 34, maxLength: 38 }),
);

describe('isCanonicalUuidV4', () => {
  it('agrees with the uuid library on UUIDs, near misses and arbitrary strings', () => {
    fc.assert(
      fc.property(candidates, (value) => {
        expect(isCanonicalUuidV4(value)).toBe(reference(value));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('accepts every generated UUIDv4, in either case', () => {
    fc.assert(
      fc.property(uuidV4, (value) => {
        expect(isCanonicalUuidV4(value)).toBe(true);
      }),
      { seed: SEED, numRuns: 10_000 },
    );
  });
});
