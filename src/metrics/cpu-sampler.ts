import { z } from 'zod';
import { PeriodicSampler, type Reading } from './periodic-sampler.ts';
import { PROC_STAT_PATH, readProcStat, type CpuTimes } from './proc-stat.ts';
import { ratesFromCounters, sharesFromCounters, timeSeriesSchema } from './time-series.ts';

/** What the harness machine's CPUs did while a `CpuSampler` ran. */
export const cpuWindowSchema = z.object({
  cpus: z.number().int(),
  intervalMs: z.number(),
  startSeconds: z.number(),
  endSeconds: z.number(),
  samples: z.number().int(),
  /** Busy share of all CPU time over the whole window, 0..1 (1 = every CPU busy all the time). */
  utilisation: z.number(),
  /** Share of all CPU time spent idle waiting on I/O, 0..1. */
  iowaitShare: z.number(),
  /** This process alone; `cores` is CPU seconds per wall second (2 = two cores' worth). */
  process: z.object({ userSeconds: z.number(), systemSeconds: z.number(), cores: z.number() }),
  series: z.object({
    utilisation: timeSeriesSchema,
    iowait: timeSeriesSchema,
    processCores: timeSeriesSchema,
  }),
});
export type CpuWindow = z.infer<typeof cpuWindowSchema>;

export interface CpuReading {
  times: CpuTimes;
  /** process.cpuUsage(), microseconds since the process started. */
  process: NodeJS.CpuUsage;
}

export interface CpuSamplerOptions {
  /** `performance.now()` at the run's start; defaults to when `start()` is called. */
  originMs?: number;
  path?: string;
}

/**
 * Samples the aggregate `cpu` line of /proc/stat, and this process's own CPU time, every `intervalMs`. The
 * machine-wide view says whether the harness machine ran out of CPU (and so measured itself, not the
 * shipping); the process view says how much of that was shipbench.
 */
export class CpuSampler {
  readonly intervalMs: number;
  #sampler: PeriodicSampler<CpuReading>;

  constructor(intervalMs = 250, options: CpuSamplerOptions = {}) {
    this.intervalMs = intervalMs;
    const path = options.path ?? PROC_STAT_PATH;
    const read = (): CpuReading => ({ times: readProcStat(path), process: process.cpuUsage() });
    this.#sampler = new PeriodicSampler(read, { intervalMs, originMs: options.originMs });
  }

  start(): void {
    this.#sampler.start();
  }

  stop(): CpuWindow {
    return summariseCpuReadings(this.intervalMs, this.#sampler.stop());
  }
}

/** Exported for callers that collect readings themselves (and for tests with hand-made counters). */
export function summariseCpuReadings(intervalMs: number, readings: readonly Reading<CpuReading>[]): CpuWindow {
  const first = readings[0];
  const last = readings.at(-1);
  const startSeconds = first?.tSeconds ?? 0;
  const endSeconds = last?.tSeconds ?? startSeconds;
  const windowSeconds = endSeconds - startSeconds;
  const share = (f: (t: CpuTimes) => number): number => {
    if (first === undefined || last === undefined) return 0;
    const whole = last.value.times.total - first.value.times.total;
    return whole > 0 ? Math.min(1, Math.max(0, (f(last.value.times) - f(first.value.times)) / whole)) : 0;
  };
  const userSeconds = first && last ? (last.value.process.user - first.value.process.user) / 1e6 : 0;
  const systemSeconds = first && last ? (last.value.process.system - first.value.process.system) / 1e6 : 0;
  const parts = (f: (t: CpuTimes) => number) =>
    readings.map((r) => ({ tSeconds: r.tSeconds, part: f(r.value.times), whole: r.value.times.total }));
  return {
    cpus: last?.value.times.cpus ?? 0,
    intervalMs,
    startSeconds,
    endSeconds,
    samples: readings.length,
    utilisation: share((t) => t.busy),
    iowaitShare: share((t) => t.iowait),
    process: { userSeconds, systemSeconds, cores: windowSeconds > 0 ? (userSeconds + systemSeconds) / windowSeconds : 0 },
    series: {
      utilisation: sharesFromCounters('cpu utilisation', parts((t) => t.busy)),
      iowait: sharesFromCounters('cpu iowait', parts((t) => t.iowait)),
      processCores: ratesFromCounters(
        'shipbench process cpu',
        'cores',
        readings.map((r) => ({ tSeconds: r.tSeconds, value: r.value.process.user + r.value.process.system })),
        { scale: 1e-6 },
      ),
    },
  };
}
