/**
 * The one redaction of secrets (ARCHITECTURE.md rule 12: never write a password, token or `user:pass@`
 * URL to a file, a log or a process argument). Everything shipbench serialises from a scenario, and every
 * text it writes where a secret could slip in (results.json, reports, error messages), goes through here.
 */

export const REDACTED = '***';

/** Keys whose string values are secrets wherever they sit in an object. */
const SECRET_KEYS = new Set(['password', 'token', 'secret', 'refreshtoken', 'accesstoken']);

/** `scheme://user:password@host`: the password part. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]+)@/gi;

// Passwords the process has seen (scenario auth, --password): masked wherever they appear in text. Very
// short ones would mask ordinary words, so those rely on the structural redaction alone.
const knownSecrets = new Set<string>();
const MIN_MASKED_LENGTH = 4;

export function registerSecret(secret: string): void {
  if (secret.length >= MIN_MASKED_LENGTH) knownSecrets.add(secret);
}

/** A URL (or any text holding URLs) with the password of every `user:password@` replaced. */
export function redactUrl(text: string): string {
  // Every match holds `://`: without one, skip the scan (the pattern tries each letter of a text as a scheme's
  // start, about 130 ms over a 9 MB results.json, which a simulation writes without a single URL).
  if (!text.includes('://')) return text;
  return text.replace(URL_USERINFO, (_, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
}

/** Text with URL passwords and every registered secret (and its URL-encoded form) masked. */
export function redactText(text: string): string {
  let out = redactUrl(text);
  for (const secret of knownSecrets) {
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** A deep copy with secret-named keys masked and every string redacted as text. */
export function redactSecrets<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}
