import type { ResolvedRegistryTimeouts } from '../scenario/registry-timeouts-input.ts';

/**
 * How long a registry request may wait: to connect (TCP, and TLS for https), and while idle (for the
 * response head, and between two body chunks). A registry that accepts connections and then says nothing
 * fails the request after `idleMs` instead of holding a pull, a push or `check` forever.
 */
export interface RegistryTimeouts {
  readonly connectMs: number;
  readonly idleMs: number;
}

export const DEFAULT_REGISTRY_TIMEOUTS: RegistryTimeouts = { connectMs: 10_000, idleMs: 30_000 };

/** Which wait ran out: named in the error, so the user knows which limit to raise. */
export type TimeoutPhase = 'connect' | 'headers' | 'body';

const PHASE_BY_CODE: Readonly<Record<string, TimeoutPhase>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/** A timeout error of the plain-HTTP transport: ETIMEDOUT, saying which wait ran out. */
export function timeoutError(phase: TimeoutPhase, message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT', timeoutPhase: phase });
}

/** The phase of a timeout error (ours or undici's, looking through `cause`), undefined for any other error. */
export function timeoutPhaseOf(error: unknown): TimeoutPhase | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const phase = (e as { timeoutPhase?: TimeoutPhase }).timeoutPhase;
    if (phase !== undefined) return phase;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && PHASE_BY_CODE[code] !== undefined) return PHASE_BY_CODE[code];
  }
  return undefined;
}

/** What waited, for messages: "connecting", "waiting for the response head", "between two body chunks". */
export function describeTimeout(phase: TimeoutPhase, timeouts: RegistryTimeouts): { what: string; seconds: number; setting: 'connect' | 'idle' } {
  if (phase === 'connect') return { what: 'connecting', seconds: timeouts.connectMs / 1000, setting: 'connect' };
  if (phase === 'headers') return { what: 'waiting for the response head', seconds: timeouts.idleMs / 1000, setting: 'idle' };
  return { what: 'waiting for the next body bytes', seconds: timeouts.idleMs / 1000, setting: 'idle' };
}

/** The scenario's `registry.timeouts`, as the client takes them. */
export function registryTimeoutsOf(scenario: { readonly timeouts: ResolvedRegistryTimeouts }): RegistryTimeouts {
  return { connectMs: scenario.timeouts.connectSeconds * 1000, idleMs: scenario.timeouts.idleSeconds * 1000 };
}
