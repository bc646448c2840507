import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR_INITIATOR_AUTHENTICATION,
  fingerprintToken,
  METRIC_CREDENTIALS_FILE_RELOAD_FAILED,
  METRIC_OVERRIDE_REJECTIONS,
  REJECTION_REASONS,
} from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { ALICE_TOKEN, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN, SOMEONE_ELSE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

// Only the service account may delegate, so any other request with an owner header is refused
// credential_not_trusted: what an alert must tell apart by who sent it.
const harness = createTestHarness({ trustedInitiators: [fingerprintToken(SERVICE_TOKEN)] });
const gateway = gatewayUnderTest(harness);

afterEach(() => harness.reset());

const delegating = (authorization?: string): Record<string, string> => ({
  'user-agent': CODER_AGENTS_UA,
  'x-coder-owner-id': OWNER_A,
  ...(authorization !== undefined && { authorization }),
});

/** The non-zero rejection series, as label sets with their counts. */
async function rejections() {
  const points = await harness.metricPoints(METRIC_OVERRIDE_REJECTIONS);
  return points.filter((p) => p.value !== 0).map((p): Record<string, unknown> => ({ ...p.attributes, count: p.value }));
}

describe('initiator.authentication on aibridge.initiator.override.rejections', () => {
  it('is none for a request without any credential', async () => {
    await post(`${gateway.url}/v1/messages`, delegating());
    expect(await rejections()).toEqual([
      {
        reason: 'credential_not_trusted',
        'aibridge.client': 'Coder Agents',
        [ATTR_INITIATOR_AUTHENTICATION]: 'none',
        count: 1,
      },
    ]);
  });

  it.each([401, 403])('is refused for a credential the gateway answered %i to', async (status) => {
    // The mock provider answers with the status the body asks for; the gateway passes it on.
    expect(
      (await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${SOMEONE_ELSE_TOKEN}`), { status })).status,
    ).toBe(status);
    expect(await rejections()).toEqual([
      {
        reason: 'credential_not_trusted',
        'aibridge.client': 'Coder Agents',
        [ATTR_INITIATOR_AUTHENTICATION]: 'refused',
        count: 1,
      },
    ]);
  });

  it('is accepted for a credential the gateway served, whatever else went wrong upstream', async () => {
    await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${ALICE_TOKEN}`));
    await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${ALICE_TOKEN}`), { status: 429 });
    await post(`${gateway.url}/v1/chat/completions`, delegating(`Bearer ${ALICE_TOKEN}`), { status: 500 });
    expect(await rejections()).toEqual([
      {
        reason: 'credential_not_trusted',
        'aibridge.client': 'Coder Agents',
        [ATTR_INITIATOR_AUTHENTICATION]: 'accepted',
        count: 3,
      },
    ]);
  });

  it('keeps each authentication apart for the same reason and client', async () => {
    await post(`${gateway.url}/v1/messages`, delegating());
    await post(`${gateway.url}/v1/messages`, delegating());
    await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${SOMEONE_ELSE_TOKEN}`), { status: 401 });
    await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${ALICE_TOKEN}`));
    const counts = Object.fromEntries(
      (await rejections()).map((series) => [String(series[ATTR_INITIATOR_AUTHENTICATION]), series.count]),
    );
    expect(counts).toEqual({ none: 2, refused: 1, accepted: 1 });
  });

  it('is on every series from the start, each at zero, for every reason', async () => {
    const points = await harness.metricPoints(METRIC_OVERRIDE_REJECTIONS);
    for (const reason of REJECTION_REASONS) {
      for (const authentication of ['none', 'refused', 'accepted']) {
        expect(
          points.filter(
            (p) =>
              p.attributes.reason === reason &&
              p.attributes['aibridge.client'] === 'Coder Agents' &&
              p.attributes[ATTR_INITIATOR_AUTHENTICATION] === authentication,
          ),
          `${reason} ${authentication}`,
        ).toEqual([expect.objectContaining({ value: 0 })]);
      }
    }
    expect(points.every((p) => typeof p.attributes[ATTR_INITIATOR_AUTHENTICATION] === 'string')).toBe(true);
  });

  it('is not on a counter without an owner header, and an applied override counts no rejection', async () => {
    await post(`${gateway.url}/v1/messages`, delegating(`Bearer ${SERVICE_TOKEN}`));
    expect(await rejections()).toEqual([]);
    const interceptions = await harness.metricPoints('aibridge.interceptions');
    expect(interceptions.length).toBeGreaterThan(0);
    for (const point of interceptions) expect(point.attributes).not.toHaveProperty(ATTR_INITIATOR_AUTHENTICATION);
  });
});

describe('without a credentials file', () => {
  it('reports no reload gauge: there is nothing to reload', async () => {
    expect(await harness.metricPoints(METRIC_CREDENTIALS_FILE_RELOAD_FAILED)).toEqual([]);
  });
});
