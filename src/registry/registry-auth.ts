import { ShipbenchError } from '../core/errors.ts';

/**
 * Registry authentication as Docker and containerd do it: answer a 401's `WWW-Authenticate` challenge with
 * basic credentials, or with a bearer token fetched from the challenge's realm (the distribution token
 * flow), and remember the answer so later requests go out authorised from the start.
 */

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface AuthChallenge {
  /** Lower-cased: `basic`, `bearer`, ... */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A plain GET the client performs for us (it owns connections, retries and counting). */
export type TokenFetch = (url: URL, headers: Record<string, string>) => Promise<{ status: number; body: string }>;

interface CachedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

// Tokens are refreshed this long before they expire, so none runs out in flight.
const EXPIRY_MARGIN_MS = 10_000;
// The token spec's default lifetime when the server names none.
const DEFAULT_TOKEN_SECONDS = 60;

/** Parses `Bearer realm="...",service="...",scope="a b"` (and several challenges in one header). */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  // A token followed by '=' is a parameter; a bare token starts a new challenge.
  const re = /\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null && m[0] !== '') {
    const [, name = '', quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
    } else {
      const current = challenges.at(-1);
      if (current !== undefined) current.params[name.toLowerCase()] = quoted?.replace(/\\(.)/g, '$1') ?? bare ?? '';
    }
  }
  return challenges;
}

export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export class RegistryAuth {
  private mode: 'none' | 'basic' | 'bearer' = 'none';
  private bearerRealm: { realm: string; service: string | undefined } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  // Concurrent requests for one scope share one token fetch.
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly registryUrl: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly fetchToken: TokenFetch,
  ) {}

  /** The Authorization header for a request needing `scope` (`repository:NAME:pull,push`; '' for /v2/). */
  async authorization(scope: string): Promise<string | undefined> {
    if (this.mode === 'basic' && this.credentials !== undefined) return basicAuthorization(this.credentials);
    if (this.mode === 'bearer') return `Bearer ${await this.token(scope, [scope])}`;
    return undefined;
  }

  /**
   * Learns from a 401 how to authenticate. Returns when one more try is worth it; throws
   * 'registry-auth-refused' when the credentials just sent were already the best we have.
   */
  async onUnauthorized(wwwAuthenticate: string | undefined, scope: string, sent: string | undefined): Promise<void> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer !== undefined && bearer.params.realm !== undefined) {
      // A token that was just refused is not offered again; the caller bounds how often this can repeat.
      if (sent?.startsWith('Bearer ') === true && this.tokens.get(scope)?.token === sent.slice(7)) this.tokens.delete(scope);
      this.mode = 'bearer';
      this.bearerRealm = { realm: bearer.params.realm, service: bearer.params.service };
      const wanted = [...new Set([scope, ...(bearer.params.scope ?? '').split(' ')].filter((s) => s !== ''))];
      await this.token(scope, wanted);
      return;
    }
    if (basic !== undefined || challenges.length === 0) {
      if (this.credentials === undefined) {
        throw new ShipbenchError('registry-auth-refused', `the registry at ${this.registryUrl} requires credentials`, {
          hint: 'give a username and password for the registry',
        });
      }
      if (sent !== undefined) throw this.refused(`the registry at ${this.registryUrl} refused user ${JSON.stringify(this.credentials.username)}`);
      this.mode = 'basic';
      return;
    }
    throw new ShipbenchError('registry-auth-unsupported', `the registry at ${this.registryUrl} asks for ${challenges.map((c) => c.scheme).join(', ')} authentication`, {
      hint: 'shipbench speaks basic authentication and the bearer token flow only',
    });
  }

  /** The error for a request still unauthorised after every answer to its challenges was tried. */
  refused(message: string): ShipbenchError {
    return new ShipbenchError('registry-auth-refused', message, {
      hint:
        this.credentials === undefined
          ? 'the registry wants credentials: give a username and password'
          : 'check the username and password, and that the user may pull (and push) this repository',
    });
  }

  private token(key: string, scopes: readonly string[]): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAtMs > Date.now()) return Promise.resolve(cached.token);
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const fetching = this.requestToken(scopes)
      .then((t) => {
        this.tokens.set(key, t);
        return t.token;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, fetching);
    return fetching;
  }

  private async requestToken(scopes: readonly string[]): Promise<CachedToken> {
    const { realm, service } = this.bearerRealm ?? { realm: '', service: undefined };
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ShipbenchError('registry-auth-refused', `the registry at ${this.registryUrl} names a token realm that is not a URL: ${JSON.stringify(realm)}`);
    }
    if (service !== undefined) url.searchParams.set('service', service);
    for (const scope of scopes) if (scope !== '') url.searchParams.append('scope', scope);
    if (this.credentials !== undefined) url.searchParams.set('account', this.credentials.username);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials !== undefined) headers.authorization = basicAuthorization(this.credentials);
    const requestedAt = Date.now();
    const { status, body } = await this.fetchToken(url, headers);
    if (status === 401 || status === 403) {
      throw this.refused(`the token server ${url.origin}${url.pathname} refused ${this.credentials === undefined ? 'an anonymous request' : `user ${JSON.stringify(this.credentials.username)}`} (${status})`);
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } | undefined;
    try {
      parsed = status === 200 ? (JSON.parse(body) as typeof parsed) : undefined;
    } catch {
      parsed = undefined;
    }
    const token = typeof parsed?.token === 'string' ? parsed.token : typeof parsed?.access_token === 'string' ? parsed.access_token : undefined;
    if (token === undefined || token === '') {
      throw new ShipbenchError('registry-token-failed', `the token server ${url.origin}${url.pathname} answered ${status} without a token`, {
        hint: 'check the registry\'s auth.token realm; the answer must be JSON with "token" or "access_token"',
      });
    }
    const seconds = typeof parsed?.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    return { token, expiresAtMs: requestedAt + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, (seconds * 1000) / 2) };
  }
}
