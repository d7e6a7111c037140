import { epochNowMs } from '../metrics/neighbour-operation.ts';
import { type NeighbourEvent, NeighbourSession, type NeighbourStepRecord } from '../neighbours/neighbour-session.ts';
import type { NeighboursResults } from '../report/neighbour-results.ts';
import type { RunResults } from '../report/results.ts';
import type { ResolvedNeighbour, ResolvedNeighbours } from '../scenario/neighbours-resolved.ts';
import { neighbourAttribution } from '../stats/neighbour-attribution.ts';
import { NEIGHBOUR_ALPHA, NEIGHBOUR_BIN_SECONDS, NEIGHBOUR_MIN_EFFECT, neighbourImpact } from '../stats/neighbour-impact.ts';

export const NEIGHBOUR_METHOD =
  'http: open-loop requests at a fixed rate, each timed from its intended send time to its response (waits for a connection or behind slow responses count; no coordinated omission); autocannon only probes capacity closed-loop before. fio: per-I/O completion latency (clat) from its latency log, rate-capped with rate_iops. Slow-down: median of per-bin mean latencies, contention vs baseline, Mann-Whitney U; a significant change smaller than minEffect is not counted as an impact. Attribution per phase, per operation: CPU wait and I/O wait of the neighbour (its cgroup\'s PSI stall time where there is one, else its threads\' schedstat run-queue wait and delay-accounting blkio delay); service is the rest of the mean latency (for http including queueing); the cause of a significant slow-down is its largest added part.';

const ALPHA = NEIGHBOUR_ALPHA;

function settingsOf(w: ResolvedNeighbour): Record<string, string | number | boolean> {
  const { kind: _kind, name: _name, ...settings } = w;
  return settings;
}

/**
 * Starts the scenario's neighbours for a run and returns the `aroundStep` hook for the rollout runners:
 * every measured step's neighbour figures are analysed and persisted into `results.neighbours` as soon as
 * its recovery ends, so a crash of either side keeps them.
 */
export async function startRunNeighbours(options: {
  readonly neighbours: ResolvedNeighbours;
  readonly workDir: string;
  readonly results: RunResults;
  readonly runStartMs: number;
  readonly persist: () => Promise<void>;
  readonly onEvent: (event: NeighbourEvent) => void;
  /** The run was interrupted: baseline and recovery waits end at once. */
  readonly signal?: AbortSignal;
  /** The block device under the output directory (nodes and neighbours share it); undefined: none. */
  readonly diskDevice?: string | undefined;
}): Promise<NeighbourSession> {
  const { neighbours, results } = options;
  const minEffect = neighbours.minEffect ?? NEIGHBOUR_MIN_EFFECT;
  const section: NeighboursResults = {
    method: NEIGHBOUR_METHOD,
    binSeconds: NEIGHBOUR_BIN_SECONDS,
    alpha: ALPHA,
    minEffect,
    baselineSeconds: neighbours.baselineSeconds,
    recoverySeconds: neighbours.recoverySeconds,
    workloads: [],
    steps: [],
  };
  const originEpochMs = epochNowMs(options.runStartMs);
  const onRecord = async (record: NeighbourStepRecord) => {
    const impact = neighbourImpact(record.operations, record.windows, { originEpochMs, alpha: ALPHA, minEffect, seed: `${record.step.strategy}/${record.step.step}` });
    section.steps.push({
      neighbour: record.neighbour.name,
      kind: record.neighbour.kind,
      strategy: record.step.strategy,
      step: record.step.step,
      repeat: record.step.repeat,
      status: record.crash === undefined ? 'measured' : 'crashed',
      ...(record.crash === undefined ? {} : { crash: record.crash }),
      lateSends: record.lateSends,
      ...impact,
      attribution: neighbourAttribution(record.operations, record.windows, record.contention, impact.slowdown.significant, record.harness),
    });
    await options.persist();
  };
  const session = await NeighbourSession.start({ neighbours, workDir: options.workDir, onEvent: options.onEvent, onRecord, signal: options.signal, diskDevice: options.diskDevice });
  const { requested, mode, neighbourCpus, harnessCpus, note } = session.isolationOutcome;
  section.isolation = {
    ...(requested === undefined ? {} : { requested }),
    mode,
    ...(neighbourCpus === undefined ? {} : { neighbourCpus }),
    ...(harnessCpus === undefined ? {} : { harnessCpus }),
    note,
    ioWaitMeasured: session.ioWaitMeasured,
    stallsMeasured: session.stallsMeasured,
  };
  section.workloads = neighbours.workloads.map((w) => {
    const probe = session.probes.get(w.name);
    return { name: w.name, kind: w.kind, settings: settingsOf(w), ...(probe === undefined ? {} : { probe }) };
  });
  if (session.fioVersion !== undefined) results.environment.tools.fio = session.fioVersion;
  results.neighbours = section;
  await options.persist();
  return session;
}
