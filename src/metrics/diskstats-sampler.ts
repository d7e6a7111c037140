import { z } from 'zod';
import { DISKSTATS_PATH, diskstatsFor, readDiskstats, SECTOR_BYTES, type DiskstatsEntry } from './diskstats.ts';
import { PeriodicSampler, type Reading } from './periodic-sampler.ts';
import { mapValues, ratesFromCounters, timeSeriesSchema, type CounterSample } from './time-series.ts';

/** What one device did while a `DiskstatsSampler` ran: totals over the window and per-interval series. */
export const diskWindowSchema = z.object({
  device: z.string(),
  intervalMs: z.number(),
  /** Relative to the run's origin, like every series point. */
  startSeconds: z.number(),
  endSeconds: z.number(),
  samples: z.number().int(),
  totals: z.object({
    readOps: z.number(),
    writeOps: z.number(),
    readBytes: z.number(),
    writeBytes: z.number(),
    /** io_ticks over the window: time the device had at least one I/O in flight. */
    busySeconds: z.number(),
    /** busySeconds / window, 0..1. */
    utilisation: z.number(),
  }),
  series: z.object({
    readBytesPerSecond: timeSeriesSchema,
    writeBytesPerSecond: timeSeriesSchema,
    readIops: timeSeriesSchema,
    writeIops: timeSeriesSchema,
    utilisation: timeSeriesSchema,
  }),
});
export type DiskWindow = z.infer<typeof diskWindowSchema>;

export interface DiskstatsSamplerOptions {
  /** `performance.now()` at the run's start; defaults to when `start()` is called. */
  originMs?: number;
  path?: string;
}

const clampShare = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Samples one block device's /proc/diskstats counters every `intervalMs` between `start()` and `stop()`.
 * Find the device under a directory with `blockDeviceFor`. The counters cover the whole device, so other
 * processes' I/O is counted too: a measurement of the machine, not of one run.
 */
export class DiskstatsSampler {
  readonly device: string;
  readonly intervalMs: number;
  #path: string;
  #sampler: PeriodicSampler<DiskstatsEntry>;

  constructor(device: string, intervalMs = 250, options: DiskstatsSamplerOptions = {}) {
    this.device = device;
    this.intervalMs = intervalMs;
    this.#path = options.path ?? DISKSTATS_PATH;
    // A device that vanishes mid-run (hot unplug) skips ticks rather than killing the run.
    const read = () => readDiskstats(this.#path).find((e) => e.device === device);
    this.#sampler = new PeriodicSampler(read, { intervalMs, originMs: options.originMs });
  }

  /** Throws a ShipbenchError with the devices there are if `device` is not in /proc/diskstats. */
  start(): void {
    diskstatsFor(this.device, this.#path);
    this.#sampler.start();
  }

  stop(): DiskWindow {
    return summariseDiskReadings(this.device, this.intervalMs, this.#sampler.stop());
  }
}

/** Totals sum only non-negative deltas, so a counter wrap costs one interval instead of poisoning the window. */
function total(samples: readonly CounterSample[], scale = 1): number {
  let sum = 0;
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i]!.value - samples[i - 1]!.value;
    if (d > 0) sum += d;
  }
  return sum * scale;
}

/** Exported for callers that collect readings themselves (and for tests with hand-made counters). */
export function summariseDiskReadings(device: string, intervalMs: number, readings: readonly Reading<DiskstatsEntry>[]): DiskWindow {
  const counter = (f: (e: DiskstatsEntry) => number): CounterSample[] => readings.map((r) => ({ tSeconds: r.tSeconds, value: f(r.value) }));
  const sectorsRead = counter((e) => e.sectorsRead);
  const sectorsWritten = counter((e) => e.sectorsWritten);
  const reads = counter((e) => e.readsCompleted);
  const writes = counter((e) => e.writesCompleted);
  const ticks = counter((e) => e.ioTicksMs);
  const startSeconds = readings[0]?.tSeconds ?? 0;
  const endSeconds = readings.at(-1)?.tSeconds ?? startSeconds;
  const windowSeconds = endSeconds - startSeconds;
  const busySeconds = total(ticks, 1e-3);
  return {
    device,
    intervalMs,
    startSeconds,
    endSeconds,
    samples: readings.length,
    totals: {
      readOps: total(reads),
      writeOps: total(writes),
      readBytes: total(sectorsRead, SECTOR_BYTES),
      writeBytes: total(sectorsWritten, SECTOR_BYTES),
      busySeconds,
      utilisation: windowSeconds > 0 ? clampShare(busySeconds / windowSeconds) : 0,
    },
    series: {
      readBytesPerSecond: ratesFromCounters(`${device} read`, 'bytes/s', sectorsRead, { scale: SECTOR_BYTES }),
      writeBytesPerSecond: ratesFromCounters(`${device} write`, 'bytes/s', sectorsWritten, { scale: SECTOR_BYTES }),
      readIops: ratesFromCounters(`${device} read IOPS`, 'ops/s', reads),
      writeIops: ratesFromCounters(`${device} write IOPS`, 'ops/s', writes),
      // io_ticks is sampled coarsely by the kernel and can overshoot wall time by a tick.
      utilisation: mapValues(ratesFromCounters(`${device} utilisation`, 'share', ticks, { scale: 1e-3 }), clampShare),
    },
  };
}
