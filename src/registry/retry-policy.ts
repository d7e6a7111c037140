/**
 * When and how long the distribution client waits before trying a request again: exponential backoff with
 * jitter (so a fleet of virtual nodes hit by the same 503 does not come back in lockstep).
 */
export interface RetryPolicy {
  /** Tries in all, the first included; 1 disables retries. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Tries in all when the failure is a timeout: each one already waited the whole limit, and a registry
   * silent twice in a row is stuck, not busy. Default 2.
   */
  readonly maxTimeoutAttempts?: number;
  /** A number in [0, 1); Math.random unless a test or a seeded run wants determinism. */
  readonly random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Statuses worth another try: the server is overloaded or briefly broken, not refusing the request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

// Socket-level failures that a fresh connection may not repeat. TLS and DNS-name errors are absent on purpose.
const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The errno-like code of a network error, looking through `cause` chains (undici wraps socket errors). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return undefined;
}

export function isRetryableError(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

/**
 * Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1). A server's Retry-After, when
 * given in seconds, is honoured up to maxDelayMs.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.min(retryAfterSeconds * 1000, policy.maxDelayMs);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Equal jitter: at least half the exponential step, so a retry always backs off, plus a random half.
  return Math.round(ceiling / 2 + ((policy.random ?? Math.random)() * ceiling) / 2);
}
