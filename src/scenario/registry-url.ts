import { registerSecret } from '../core/secret-redaction.ts';

/**
 * A registry URL may carry `user:password@`. The credentials move into `auth` (an explicit `auth:` wins)
 * and the URL keeps only scheme, host and path, so no later use of the URL (results, logs, errors,
 * requests) can show the password. The password is registered for masking in any text shipbench writes.
 */
export function splitRegistryUrl(url: string, auth: { username: string; password: string } | undefined): { url: string; auth: { username: string; password: string } | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, auth };
  }
  const fromUrl = parsed.username === '' && parsed.password === '' ? undefined : { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  if (fromUrl !== undefined) registerSecret(fromUrl.password);
  if (auth !== undefined) registerSecret(auth.password);
  if (fromUrl === undefined) return { url, auth };
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return { url: `${parsed.protocol}//${parsed.host}${path}${parsed.search}`, auth: auth ?? fromUrl };
}
