import { createHmac } from 'node:crypto';

/**
 * OpenSSH's known_hosts check, for the SSH connections to `fleet.hosts`: without it any machine answering on
 * the host's address would get the Docker API calls, registry credentials included. Plain, wildcard, negated
 * and hashed (`|1|salt|hmac`) host patterns and `@revoked` lines are understood; `@cert-authority` lines are
 * not (they never make a host known here).
 */

export type HostKeyVerdict =
  | { readonly kind: 'known' }
  | { readonly kind: 'unknown'; readonly knownTypes: readonly string[] }
  | { readonly kind: 'changed' }
  | { readonly kind: 'revoked' };

/** How known_hosts names a host: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type an SSH public key blob starts with, e.g. `ssh-ed25519`. */
export function keyBlobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

export function verifyHostKey(knownHostsText: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const offered = keyBlob.toString('base64');
  const offeredType = keyBlobType(keyBlob);
  const knownTypes: string[] = [];
  let sameTypeDiffers = false;
  for (const raw of knownHostsText.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [patterns, type, key] = fields;
    if (patterns === undefined || type === undefined || key === undefined || !hostMatches(patterns, name)) continue;
    if (marker === '@revoked') {
      if (key === offered) return { kind: 'revoked' };
      continue;
    }
    if (marker !== undefined) continue;
    if (key === offered) return { kind: 'known' };
    knownTypes.push(type);
    if (type === offeredType) sameTypeDiffers = true;
  }
  return sameTypeDiffers ? { kind: 'changed' } : { kind: 'unknown', knownTypes };
}

function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name);
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    if (!wildcard(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `HashKnownHosts yes` writes. */
function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (salt === undefined || hash === undefined) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

function wildcard(pattern: string): RegExp {
  const body = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}
