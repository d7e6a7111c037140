import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { median } from '../stats/percentiles.ts';
import { drawVariationFor, withinGroupLogSigma } from './calibration-dispersion.ts';
import { repeatKey } from '../metrics/step-key.ts';

export interface RequestFit {
  /**
   * One request as the model counts it: the mean time to manifest over the model's requests before layers (the
   * mean: the latency spread multiplies it by draws of mean 1), at most what the clients saw a request take.
   */
  readonly requestSeconds: number;
  /** Seconds from sending a request to its answer's headers as the pulling clients saw it (median over steps): a cross-check, queueing included. */
  readonly clientRequestSeconds: number | undefined;
  /** Of which the registry's own CPU per request it answered (its process CPU over its logged requests), when measured. */
  readonly registryCpuPerRequestSeconds: number | undefined;
  /** Median time to manifest (and config) per node: the requests before the first layer, plus the client's own work. */
  readonly manifestSeconds: number;
  /** What the model adds before its requests so its time to manifest is the measured one (0 when the requests explain it). */
  readonly manifestExtraSeconds: number;
  /**
   * Log-normal CV of the per-node latency draw (model.node.spread.latency) with which the model's times to manifest
   * scatter within a step as the measured ones did: the registry's CPU per request does not vary with the node.
   */
  readonly latencyVariation: number | undefined;
}

/**
 * Request latency from time to manifest: the model's `requestsBefore` requests before the first layer
 * (requestsBeforeLayers in registry-client.ts: manifest and config, a token with token auth) share it, so a
 * small step that is mostly requests comes out right. The registry's CPU per logged request is the part of
 * each that queues on its cores. Where the clients timed their requests (registry
 * strain, virtual nodes: mean time to headers, which includes waits behind bytes), a request is at most that:
 * the rest of time to manifest is the node's own work before its layers (a containerd node's lease and
 * content records, bolt transactions that sync), which model.node.manifestSeconds carries, not every request.
 */
export function fitRequests(steps: readonly StepResult[], samples: readonly NodeStepSample[], requestsBefore: number): RequestFit | undefined {
  const manifests = samples.filter((s) => s.error === undefined && s.manifestSeconds > 0).map((s) => s.manifestSeconds);
  if (manifests.length === 0) return undefined;
  const manifestSeconds = median(manifests);
  const latencies = steps.flatMap((s) => (s.registry?.client === undefined || s.registry.client.requests === 0 ? [] : [s.registry.client.meanLatencySeconds]));
  const clientRequestSeconds = latencies.length === 0 ? undefined : median(latencies);
  const shared = manifests.reduce((a, b) => a + b, 0) / manifests.length / requestsBefore;
  const requestSeconds = clientRequestSeconds === undefined ? shared : Math.min(shared, clientRequestSeconds);
  const cpu = steps.flatMap((s) => (s.registry?.process === undefined || s.registry.served === undefined || s.registry.served.requests === 0 ? [] : [s.registry.process.cpuSeconds / s.registry.served.requests]));
  const registryCpuPerRequestSeconds = cpu.length === 0 ? undefined : Math.min(requestSeconds, median(cpu));
  const within = withinGroupLogSigma(manifestsByStep(samples));
  return {
    requestSeconds,
    clientRequestSeconds,
    registryCpuPerRequestSeconds,
    manifestSeconds,
    manifestExtraSeconds: Math.max(0, manifestSeconds - requestsBefore * requestSeconds),
    latencyVariation: within === undefined ? undefined : drawVariationFor(within, manifestSeconds, requestsBefore * (registryCpuPerRequestSeconds ?? 0)),
  };
}

/**
 * Times to manifest, a group per strategy, step and repeat: the nodes that pulled under one condition. Their
 * scatter within a group is the nodes' own; a heavy step's slower manifests (a busier machine) are not.
 */
export function manifestsByStep(samples: readonly NodeStepSample[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const s of samples) {
    if (s.error !== undefined || !(s.manifestSeconds > 0)) continue;
    const key = repeatKey(s);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s.manifestSeconds]);
    else group.push(s.manifestSeconds);
  }
  return [...groups.values()];
}
