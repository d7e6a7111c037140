import type { NodeStepSample } from '../metrics/samples.ts';
import { quantile } from './percentiles.ts';
import { stepKey } from '../metrics/step-key.ts';

/**
 * How far shipbench's emulation (virtual nodes) is from real runtimes: for each strategy and step run on
 * several backends, the median node time (pull + unpack) per backend and its ratio to the virtual nodes'.
 * Samples of a multi-backend run name their strategy `<strategy>@<backend>`.
 */
export interface BackendFidelityRow {
  readonly strategy: string;
  readonly step: string;
  readonly backend: string;
  readonly nodes: number;
  readonly medianTotalSeconds: number;
  readonly medianDownloadSeconds: number;
  readonly medianUnpackSeconds: number;
  /** Layer bytes a node received, median. */
  readonly medianBytesDownloaded: number;
  /** Bytes a node wrote to its disk, median (engines: the node disk's device counters; virtual: what the node wrote). */
  readonly medianBytesWritten: number;
  /** This backend's median over the virtual nodes'; undefined when virtual nodes did not run the step. */
  readonly ratioToVirtual: number | undefined;
}

export function backendFidelity(samples: readonly NodeStepSample[], measuredRepeats: ReadonlySet<number>): BackendFidelityRow[] {
  const groups = new Map<string, NodeStepSample[]>();
  for (const s of samples) {
    if (s.error !== undefined || !measuredRepeats.has(s.repeat)) continue;
    const backend = s.backend ?? 'virtual';
    const strategy = s.strategy.endsWith(`@${backend}`) ? s.strategy.slice(0, -backend.length - 1) : s.strategy;
    const key = JSON.stringify([strategy, s.step, backend]);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const rows = [...groups.entries()].map(([key, group]) => {
    const [strategy, step, backend] = JSON.parse(key) as [string, string, string];
    // A node's layers download concurrently: its download time is the span of the longest, not their sum.
    return {
      strategy,
      step,
      backend,
      nodes: group.length,
      medianTotalSeconds: quantile(group.map((s) => s.totalSeconds), 0.5),
      medianDownloadSeconds: quantile(group.map((s) => Math.max(0, ...s.layers.map((l) => l.downloadSeconds))), 0.5),
      medianUnpackSeconds: quantile(group.map((s) => s.layers.reduce((n, l) => n + l.unpackSeconds, 0)), 0.5),
      medianBytesDownloaded: quantile(group.map((s) => s.bytesDownloaded), 0.5),
      medianBytesWritten: quantile(group.map((s) => s.bytesWrittenToDisk), 0.5),
    };
  });
  const backendsPerStep = new Map<string, Set<string>>();
  for (const r of rows) backendsPerStep.set(stepKey(r), (backendsPerStep.get(stepKey(r)) ?? new Set()).add(r.backend));
  return rows
    .filter((r) => (backendsPerStep.get(stepKey(r))?.size ?? 0) > 1)
    .map((r) => {
      const virtual = rows.find((v) => v.strategy === r.strategy && v.step === r.step && v.backend === 'virtual');
      return { ...r, ratioToVirtual: virtual === undefined || virtual.medianTotalSeconds === 0 ? undefined : r.medianTotalSeconds / virtual.medianTotalSeconds };
    });
}
