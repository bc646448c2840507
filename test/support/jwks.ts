import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { registerSecret } from './scan';
import { listen, type Running } from './servers';

export const ISSUER = 'https://idp.test.example';
export const AUDIENCE = 'ai-gateway';

/** A real JWKS endpoint on loopback with a key generated for the test, and a signer for it. */
export interface Jwks extends Running {
  readonly jwksUrl: string;
  /** Signs with the served key (kid `test-key`), with issuer, audience and a 1 h expiry unless overridden. */
  sign(
    claims: JWTPayload,
    options?: { expiresAt?: number; issuer?: string; audience?: string; kid?: string },
  ): Promise<string>;
  /** Signs with a key the endpoint does not serve, under the served kid. */
  forge(claims: JWTPayload): Promise<string>;
  /** How many times the key set was fetched. */
  fetches(): number;
}

export async function startJwks(): Promise<Jwks> {
  const served = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(served.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const running = await listen(server);
  const signWith = (
    key: CryptoKey,
    claims: JWTPayload,
    options: { expiresAt?: number; issuer?: string; audience?: string; kid?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'test-key' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(key);
  return {
    ...running,
    jwksUrl: `${running.url}/.well-known/jwks.json`,
    sign: async (claims, options) => registerSecret(await signWith(served.privateKey, claims, options)),
    forge: async (claims) => registerSecret(await signWith(stranger.privateKey, claims)),
    fetches: () => fetches,
  };
}
