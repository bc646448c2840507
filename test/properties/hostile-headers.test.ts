import fc from 'fast-check';
import { describe, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createPolicy } from '../../src/config/create-policy';
import { fingerprintToken } from '../../src/resolution/credential';
import { toHeaderRecord } from '../../src/resolution/headers';
import { resolveFromRecord } from '../../src/resolution/resolve-request';
import {
  authenticationOf,
  interceptionMetricAttributes,
  interceptionSpanAttributes,
  rejectionEventAttributes,
  rejectionMetricAttributes,
} from '../../src/otel/attributes';
import type { Resolution } from '../../src/resolution/types';
import { anyCase, ownerValue, token, userAgent } from './arbitraries';

// Seeded, so a failure names a case anyone can replay; PROPERTY_RUNS raises the count for soaks.
const SEED = Number(process.env.PROPERTY_SEED ?? 20261128);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100_000);
const TRUSTED = fingerprintToken('sk-svc-property-test-token-0001');
const CANONICAL_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const policies = { open: createPolicy(), restricted: createPolicy({ trustedInitiators: [TRUSTED] }) };

const request = fc.record({
  ownerName: anyCase('x-coder-owner-id'),
  secondOwnerName: fc.option(anyCase('x-coder-owner-id'), { nil: undefined }),
  owner: fc.option(ownerValue, { nil: undefined, freq: 5 }),
  secondOwner: ownerValue,
  userAgentName: anyCase('user-agent'),
  userAgent,
  credential: fc.option(fc.tuple(fc.constantFrom('authorization', 'x-api-key', 'Authorization', 'X-API-KEY'), token), {
    nil: undefined,
  }),
  restricted: fc.boolean(),
});
type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

/**
 * Headers as a caller hands them over: names in any case, a header possibly given twice under two
 * spellings, values possibly lists. Returns them with every owner value the contract sees.
 */
function rawHeaders(r: Request): { headers: Record<string, string | string[]>; ownerValues: string[] } {
  const headers: Record<string, string | string[]> = { [r.userAgentName]: r.userAgent };
  const ownerValues: string[] = [];
  const addOwner = (name: string, value: string | string[]) => {
    headers[name] = value;
    ownerValues.push(...(typeof value === 'string' ? [value] : value));
  };
  if (r.owner !== undefined) addOwner(r.ownerName, r.owner);
  if (r.owner !== undefined && r.secondOwnerName !== undefined && r.secondOwnerName !== r.ownerName)
    addOwner(r.secondOwnerName, r.secondOwner);
  if (r.credential !== undefined) {
    const [name, value] = r.credential;
    headers[name] = name.toLowerCase() === 'authorization' ? `Bearer ${value}` : value;
  }
  return { headers, ownerValues };
}

/** The contract, written independently of the implementation. */
function shouldOverride(r: Request, ownerValues: readonly string[], credentialInitiator: string | undefined): boolean {
  if (ownerValues.length !== 1) return false;
  if (!r.userAgent.toLowerCase().startsWith('coder-agents/')) return false;
  const value = ownerValues[0]!;
  if (!CANONICAL_V4.test(value)) return false;
  if (r.restricted && credentialInitiator !== TRUSTED) return false;
  return true;
}

function everythingExported(resolution: Resolution): unknown[] {
  const attributes = [
    interceptionSpanAttributes(resolution, 'openai'),
    interceptionMetricAttributes(resolution, 'openai', 200),
  ];
  if (resolution.rejection !== undefined)
    attributes.push(
      rejectionEventAttributes(resolution.rejection),
      rejectionMetricAttributes(resolution.rejection, resolution.client, authenticationOf(resolution, 200)),
    );
  return attributes.flatMap((set) => Object.values(set));
}

function fail(message: string): never {
  throw new Error(message);
}

describe(`hostile headers (${RUNS} cases, seed ${SEED})`, () => {
  it('never throw, apply the override exactly when the rules say, and never echo an invalid value', () => {
    const logged: string[] = [];
    diag.setLogger(
      {
        error: (...a) => logged.push(a.join(' ')),
        warn: (...a) => logged.push(a.join(' ')),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    try {
      fc.assert(
        fc.property(request, (r) => {
          const { headers, ownerValues } = rawHeaders(r);
          const resolution = resolveFromRecord(
            toHeaderRecord(headers),
            r.restricted ? policies.restricted : policies.open,
          );
          if (resolution instanceof Promise) return fail('no resolver here may wait');
          const credentialInitiator = resolution.credentialInitiator;
          const expected = shouldOverride(r, ownerValues, credentialInitiator);
          // Plain checks, not expect(): a hundred thousand cases must stay quick.
          if (resolution.override !== expected)
            return fail(`override ${resolution.override}, the rules say ${expected}`);
          const initiator = expected ? ownerValues[0]!.toLowerCase() : credentialInitiator;
          if (resolution.initiator !== initiator)
            return fail(`initiator ${resolution.initiator}, expected ${initiator}`);
          if ((resolution.rejection !== undefined) !== (ownerValues.length > 0 && !expected))
            return fail('a present header neither applied nor rejected');
          const exported = everythingExported(resolution).filter((v): v is string => typeof v === 'string');
          if (exported.some((v) => v.length > 256)) return fail('an attribute value over 256 characters');
          if (!expected) {
            for (const raw of ownerValues) {
              if (raw.length < 8) continue;
              if (exported.some((v) => v.includes(raw))) return fail('an invalid owner value reached an attribute');
              if (logged.some((line) => line.includes(raw))) return fail('an invalid owner value reached a log');
            }
          }
          return true;
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      diag.disable();
    }
  }, 120_000);
});
