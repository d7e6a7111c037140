import { performance } from 'node:perf_hooks';
import { readProcess, resetPeakRss, type ProcessReading } from '../metrics/process-reading.ts';
import {
  type ClientCounters,
  clientViewOf,
  cpuSecondsPerGiB,
  emptyClientCounters,
  type RegistryProcess,
  type RegistryStrain,
  type RequestCounters,
  type ServedRequests,
} from '../metrics/registry-strain.ts';
import { ratesFromCounters, timeSeries } from '../metrics/time-series.ts';

/** The registry as the harness can see it: its process and access log when it is our child (embedded). */
export interface StrainSource {
  readonly pid?: number;
  readonly served?: RequestCounters;
  /** Waits until every request answered so far is in `served`. */
  readonly settle?: () => Promise<void>;
  /** The pulling clients' own counters (virtual nodes); none for engines, which pull on their own. */
  readonly clients: () => readonly ClientCounters[];
  readonly runStartMs: number;
  readonly intervalMs: number;
}

interface Tick {
  readonly tSeconds: number;
  /** Undefined once the registry is gone. */
  readonly process: ProcessReading | undefined;
  readonly requests: number;
}

/**
 * Registry strain over one step: /proc/PID sampled every interval (CPU, RSS, connections), the access log's
 * request counters and the clients' counters read at the start and (after the log settled) at the end. A
 * registry that dies mid-step leaves its figures up to its last reading, marked so.
 */
export class RegistryStrainMeter {
  private readonly ticks: Tick[] = [];
  private timer: NodeJS.Timeout | undefined;
  private peakResetWorked = false;
  private servedBefore: RequestCounters | undefined;
  private clientsBefore: ClientCounters = emptyClientCounters();

  constructor(private readonly source: StrainSource) {}

  start(): void {
    const { pid, served } = this.source;
    if (pid !== undefined) this.peakResetWorked = resetPeakRss(pid);
    this.servedBefore = served === undefined ? undefined : { ...served };
    for (const c of this.source.clients()) c.latencySecondsMax = 0;
    this.clientsBefore = sumClients(this.source.clients());
    this.tick();
    this.timer = setInterval(() => this.tick(), this.source.intervalMs).unref();
  }

  /** Stops sampling (the last reading now, before the log settles) and returns the step's figures. */
  async stop(): Promise<RegistryStrain> {
    clearInterval(this.timer);
    this.tick();
    await this.source.settle?.().catch(() => undefined);
    const first = this.ticks[0];
    const last = this.ticks.at(-1);
    const seconds = first === undefined || last === undefined ? 0 : last.tSeconds - first.tSeconds;
    const served = this.servedOver(seconds);
    const process = this.processOver();
    const clients = this.source.clients();
    const client = clients.length === 0 ? undefined : clientViewOf(this.clientsBefore, sumClients(clients));
    return {
      seconds,
      ...(process === undefined ? {} : { process }),
      ...(served === undefined ? {} : { served }),
      ...(client === undefined ? {} : { client }),
      cpuSecondsPerGiB: cpuSecondsPerGiB(process?.cpuSeconds, served?.bytesServed ?? 0),
    };
  }

  private tick(): void {
    const { pid, served } = this.source;
    let process: ProcessReading | undefined;
    try {
      process = pid === undefined ? undefined : readProcess(pid);
    } catch {
      process = undefined;
    }
    this.ticks.push({ tSeconds: (performance.now() - this.source.runStartMs) / 1000, process, requests: served?.requests ?? 0 });
  }

  private servedOver(seconds: number): ServedRequests | undefined {
    const { served } = this.source;
    const before = this.servedBefore;
    if (served === undefined || before === undefined) return undefined;
    const requests = served.requests - before.requests;
    return {
      requests,
      requestsPerSecond: seconds > 0 ? requests / seconds : 0,
      bytesServed: served.bytes - before.bytes,
      throttled: served.throttled - before.throttled,
      serverErrors: served.serverErrors - before.serverErrors,
    };
  }

  private processOver(): RegistryProcess | undefined {
    const { pid } = this.source;
    const alive = this.ticks.filter((t): t is Tick & { process: ProcessReading } => t.process !== undefined);
    const first = alive[0];
    const last = alive.at(-1);
    if (pid === undefined || first === undefined || last === undefined) return undefined;
    const sampledPeak = Math.max(...alive.map((t) => t.process.rssBytes));
    const connections = alive.map((t) => t.process.connections);
    return {
      pid,
      cpuSeconds: last.process.cpuSeconds - first.process.cpuSeconds,
      // VmHWM since the reset covers the spikes between samples; without the reset it is the lifetime peak.
      peakRssBytes: this.peakResetWorked ? Math.max(sampledPeak, last.process.peakRssBytes) : sampledPeak,
      peakConnections: Math.max(...connections),
      meanConnections: connections.reduce((a, b) => a + b, 0) / connections.length,
      ...(alive.length < this.ticks.length ? { exitedDuringStep: true } : {}),
      series: {
        cpuCores: ratesFromCounters('registry cpu', 'cores', alive.map((t) => ({ tSeconds: t.tSeconds, value: t.process.cpuSeconds }))),
        rssBytes: timeSeries('registry rss', 'bytes', alive.map((t) => ({ tSeconds: t.tSeconds, value: t.process.rssBytes }))),
        connections: timeSeries('registry connections', 'connections', alive.map((t) => ({ tSeconds: t.tSeconds, value: t.process.connections }))),
        requestsPerSecond: ratesFromCounters('registry requests', 'requests/s', this.ticks.map((t) => ({ tSeconds: t.tSeconds, value: t.requests }))),
      },
    };
  }
}

function sumClients(clients: readonly ClientCounters[]): ClientCounters {
  const sum = emptyClientCounters();
  for (const c of clients) {
    sum.requests += c.requests;
    sum.latencySecondsSum += c.latencySecondsSum;
    sum.latencySecondsMax = Math.max(sum.latencySecondsMax, c.latencySecondsMax);
    sum.answered += c.answered;
    sum.throttled += c.throttled;
    sum.serverErrors += c.serverErrors;
    sum.networkErrors += c.networkErrors;
  }
  return sum;
}
