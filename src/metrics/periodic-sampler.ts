import { performance } from 'node:perf_hooks';
import type { Seconds } from '../core/units.ts';

/** One reading taken by a `PeriodicSampler`, stamped relative to the run's origin. */
export interface Reading<T> {
  tSeconds: Seconds;
  value: T;
}

export interface PeriodicSamplerOptions {
  intervalMs: number;
  /**
   * `performance.now()` at the run's start, so every sampler of one run shares a time axis; defaults to the
   * moment `start()` is called.
   */
  originMs?: number;
}

/**
 * Calls `read` now, every `intervalMs`, and once more at `stop()`, keeping what it returns. The shared loop
 * of the /proc samplers. Reads are synchronous: /proc files live in memory, and a synchronous read stamps
 * the time the kernel's counters were actually taken.
 */
export class PeriodicSampler<T> {
  readonly intervalMs: number;
  #read: () => T | undefined;
  #originMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #readings: Reading<T>[] = [];
  #state: 'new' | 'running' | 'stopped' = 'new';
  #failure: unknown;

  /** `read` may return `undefined` to skip a tick (e.g. a device briefly absent). */
  constructor(read: () => T | undefined, options: PeriodicSamplerOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be above 0, got ${options.intervalMs}`);
    this.#read = read;
    this.intervalMs = options.intervalMs;
    this.#originMs = options.originMs;
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  start(): void {
    if (this.#state !== 'new') throw new Error(`a sampler can start once; this one is ${this.#state}`);
    this.#originMs ??= performance.now();
    this.#state = 'running';
    // The first reading is taken now and may throw: a bad device should fail the caller, not a timer.
    this.#take();
    this.#timer = setInterval(() => {
      try {
        this.#take();
      } catch (error) {
        // A throw inside a timer would crash the process; keep it for stop() to report.
        this.#failure ??= error;
      }
    }, this.intervalMs);
    // Sampling must never be what keeps a finished run alive.
    this.#timer.unref();
  }

  /** Takes a last reading and returns them all, oldest first. */
  stop(): Reading<T>[] {
    if (this.#state !== 'running') throw new Error(`stop() needs a running sampler; this one is ${this.#state}`);
    clearInterval(this.#timer);
    this.#state = 'stopped';
    this.#take();
    if (this.#failure !== undefined) throw this.#failure;
    return this.#readings;
  }

  #take(): void {
    const value = this.#read();
    if (value === undefined) return;
    this.#readings.push({ tSeconds: (performance.now() - this.#originMs!) / 1000, value });
  }
}
