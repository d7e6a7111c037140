import { z } from 'zod';
import { timeSeriesSchema } from './time-series.ts';

const count = z.number().int().nonnegative();
const bytes = z.number().nonnegative();

/** Requests as the registry itself logged them (its access log), so every client counts, engines included. */
export const servedRequestsSchema = z.object({
  requests: count,
  /** Requests over the step's seconds. */
  requestsPerSecond: z.number().nonnegative(),
  /** Response bytes the registry logged (layers, manifests, error bodies). */
  bytesServed: bytes,
  throttled: count.meta({ description: 'answers 429 Too Many Requests' }),
  serverErrors: count.meta({ description: 'answers 5xx' }),
});

/** The registry process as /proc/PID showed it over the step (an embedded registry only: our child). */
export const registryProcessSchema = z.object({
  pid: z.number().int(),
  /** user + system CPU seconds the registry spent during the step. */
  cpuSeconds: z.number().nonnegative(),
  /** Peak resident memory during the step (VmHWM reset at the step's start; the sampled peak where the kernel does not allow that). */
  peakRssBytes: bytes,
  peakConnections: count,
  meanConnections: z.number().nonnegative(),
  /** The registry exited during the step: the figures run up to its last reading. */
  exitedDuringStep: z.boolean().optional(),
  series: z.object({ cpuCores: timeSeriesSchema, rssBytes: timeSeriesSchema, connections: timeSeriesSchema, requestsPerSecond: timeSeriesSchema }),
});

/** What the pulling clients saw of the registry (virtual nodes only: engines pull on their own). */
export const clientViewSchema = z.object({
  requests: count,
  /** Seconds from sending a request to its answer's headers. */
  meanLatencySeconds: z.number().nonnegative(),
  maxLatencySeconds: z.number().nonnegative(),
  throttled: count.meta({ description: 'answers 429 Too Many Requests' }),
  serverErrors: count.meta({ description: 'answers 5xx' }),
  /** Requests that got no answer at all (refused, reset, timed out). */
  networkErrors: count,
});

/**
 * The registry's strain during one image step: its process (embedded registry), its own request log
 * (embedded) and the clients' view (any registry, virtual nodes). CPU seconds per GiB served is what
 * `check` budgets: it scales with the fleet, the raw CPU seconds do not.
 */
export const registryStrainSchema = z.object({
  seconds: z.number().nonnegative(),
  process: registryProcessSchema.optional(),
  served: servedRequestsSchema.optional(),
  client: clientViewSchema.optional(),
  /** Registry CPU seconds per GiB it served; null when it served nothing (or is not ours to measure). */
  cpuSecondsPerGiB: z.number().nonnegative().nullable(),
});
export type RegistryStrain = z.infer<typeof registryStrainSchema>;
export type RegistryProcess = z.infer<typeof registryProcessSchema>;
export type ServedRequests = z.infer<typeof servedRequestsSchema>;
export type ClientView = z.infer<typeof clientViewSchema>;

/** Cumulative request counters, as an access log or a client keeps them; only differences mean anything. */
export interface RequestCounters {
  requests: number;
  bytes: number;
  throttled: number;
  serverErrors: number;
}

/** Cumulative client-side counters of one or more registry clients. */
export interface ClientCounters {
  requests: number;
  latencySecondsSum: number;
  latencySecondsMax: number;
  answered: number;
  throttled: number;
  serverErrors: number;
  networkErrors: number;
}

export function emptyClientCounters(): ClientCounters {
  return { requests: 0, latencySecondsSum: 0, latencySecondsMax: 0, answered: 0, throttled: 0, serverErrors: 0, networkErrors: 0 };
}

/** One answer a client got: its status and seconds from sending to the headers. */
export function noteAnswer(counters: ClientCounters, status: number, seconds: number): void {
  counters.requests++;
  counters.answered++;
  counters.latencySecondsSum += seconds;
  counters.latencySecondsMax = Math.max(counters.latencySecondsMax, seconds);
  if (status === 429) counters.throttled++;
  if (status >= 500) counters.serverErrors++;
}

/** A request that got no answer (refused, reset, timed out). */
export function noteNoAnswer(counters: ClientCounters): void {
  counters.requests++;
  counters.networkErrors++;
}

/** The client view of a step from counters read at its start and end (max latency: the end's, reset by the caller at the start). */
export function clientViewOf(before: ClientCounters, after: ClientCounters): ClientView {
  const answered = after.answered - before.answered;
  return {
    requests: after.requests - before.requests,
    meanLatencySeconds: answered > 0 ? (after.latencySecondsSum - before.latencySecondsSum) / answered : 0,
    maxLatencySeconds: after.latencySecondsMax,
    throttled: after.throttled - before.throttled,
    serverErrors: after.serverErrors - before.serverErrors,
    networkErrors: after.networkErrors - before.networkErrors,
  };
}

const GIB = 1024 ** 3;

export function cpuSecondsPerGiB(cpuSeconds: number | undefined, bytesServed: number): number | null {
  if (cpuSeconds === undefined || bytesServed <= 0) return null;
  return cpuSeconds / (bytesServed / GIB);
}
