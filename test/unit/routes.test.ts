import { describe, expect, it } from 'vitest';
import { createPolicy, DEFAULT_INTERCEPTION_ROUTES } from 'aibridge-initiator-otel';
import { interceptionProvider } from '../../src/resolution/routes';

const routes = createPolicy().routes;

describe('interception routes', () => {
  it.each([
    ['/openai/v1/chat/completions', 'openai'],
    ['/openai/v1/responses', 'openai'],
    ['/anthropic/v1/messages', 'anthropic'],
    ['/v1/chat/completions', 'openai'],
    ['/v1/responses', 'openai'],
    ['/v1/messages', 'anthropic'],
  ])('POST %s is an interception for %s', (path, provider) => {
    expect(interceptionProvider('POST', path, routes)).toBe(provider);
  });

  it('the default routes are the six of the contract', () => {
    expect(DEFAULT_INTERCEPTION_ROUTES).toHaveLength(6);
  });

  it('ignores the query string', () => {
    expect(interceptionProvider('POST', '/v1/messages?beta=true', routes)).toBe('anthropic');
  });

  it('matches regardless of case and a trailing slash, as gateways route', () => {
    expect(interceptionProvider('POST', '/V1/Chat/Completions/', routes)).toBe('openai');
  });

  it.each(['GET', 'PUT', 'OPTIONS', undefined])('%s is not an interception', (method) => {
    expect(interceptionProvider(method, '/v1/messages', routes)).toBeUndefined();
  });

  it.each(['/v1/models', '/v1/messages/count_tokens', '/health', '/metrics', '', '/v1/chat'])(
    'POST %s is not an interception',
    (path) => {
      expect(interceptionProvider('POST', path, routes)).toBeUndefined();
    },
  );

  it('configured routes replace the defaults, inferring the provider from the path', () => {
    const custom = createPolicy({
      interceptionRoutes: ['/gw/openai/chat/completions', '/llm/complete=anthropic'],
    }).routes;
    expect(interceptionProvider('POST', '/gw/openai/chat/completions', custom)).toBe('openai');
    expect(interceptionProvider('POST', '/llm/complete', custom)).toBe('anthropic');
    expect(interceptionProvider('POST', '/v1/messages', custom)).toBeUndefined();
  });

  it.each([
    ['v1/messages', /must be a path starting with "\/"/],
    ['/v1/messages?x=1', /without spaces, query or fragment/],
    ['/llm/complete', /name its provider/],
    ['/llm=gemini', /unknown provider "gemini"/],
  ])('rejects the route %s with a clear error', (route, message) => {
    expect(() => createPolicy({ interceptionRoutes: [route] })).toThrow(message);
  });
});
