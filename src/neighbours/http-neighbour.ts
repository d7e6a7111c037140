import { join } from 'node:path';
import { ExitCode, ShipbenchError } from '../core/errors.ts';
import type { NeighbourOperation } from '../metrics/neighbour-operation.ts';
import type { ResolvedHttpNeighbour } from '../scenario/neighbours-resolved.ts';
import type { HttpLoadConfig } from './http-load-process.ts';
import type { HttpServiceConfig } from './http-service-process.ts';
import { type NeighbourProcess, spawnNeighbourScript } from './neighbour-process.ts';

/** What autocannon measured closed-loop before the open-loop schedule began. */
export interface HttpProbe {
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

const START_TIMEOUT_MS = 30_000;

/**
 * The `http` neighbour: its service process (files under `dir`, on the nodes' disk) and its open-loop load
 * process, both running from `start` to `stop`; every completed request is kept as an operation.
 */
export class HttpNeighbour {
  readonly settings: ResolvedHttpNeighbour;
  readonly operations: NeighbourOperation[] = [];
  /** Requests whose send was late by more than 10 ms: the load generator itself was starved. */
  lateSends = 0;
  probe: HttpProbe | undefined;
  private service: NeighbourProcess | undefined;
  private load: NeighbourProcess | undefined;
  private readonly dir: string;

  constructor(settings: ResolvedHttpNeighbour, dir: string) {
    this.settings = settings;
    this.dir = dir;
  }

  async start(): Promise<void> {
    const s = this.settings;
    const serviceConfig: HttpServiceConfig = {
      dir: join(this.dir, 'service'),
      hashBytes: s.hashBytes,
      reads: s.reads,
      readBytes: s.readBytes,
      writes: s.writes,
      writeBytes: s.writeBytes,
      files: s.files,
    };
    let announcePort: (port: number) => void = () => undefined;
    const ready = new Promise<number>((resolve) => (announcePort = resolve));
    this.service = spawnNeighbourScript('http-service-process.ts', serviceConfig, (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (m !== null) announcePort(Number(m[1]));
    });
    const port = await this.untilReady(ready, this.service, 'its service');

    const loadConfig: HttpLoadConfig = {
      url: `http://127.0.0.1:${port}/`,
      rate: s.requestsPerSecond,
      probeSeconds: s.probeSeconds,
      maxConnections: s.maxConnections,
      timeoutMs: 10_000,
    };
    let announceProbe: (probe: HttpProbe | Error) => void = () => undefined;
    const probed = new Promise<HttpProbe | Error>((resolve) => (announceProbe = resolve));
    this.load = spawnNeighbourScript('http-load-process.ts', loadConfig, (line) => {
      if (line.startsWith('r ')) {
        const [, intended, latency, lag, ok] = line.split(' ');
        this.operations.push({ startEpochMs: Number(intended), latencyMs: Number(latency), ok: ok === '1' });
        if (Number(lag) > 10) this.lateSends++;
      } else if (line.startsWith('probe ')) {
        const [rps, errors, non2xx, p50, p99] = line.slice(6).split(' ').map(Number);
        announceProbe({ requestsPerSecond: rps ?? 0, errors: errors ?? 0, non2xx: non2xx ?? 0, latencyP50Ms: p50 ?? 0, latencyP99Ms: p99 ?? 0 });
      } else if (line.startsWith('fatal ')) {
        announceProbe(new Error(line.slice(6)));
      }
    });
    const probe = await this.untilReady(probed, this.load, 'its load generator');
    if (probe instanceof Error) {
      throw new ShipbenchError('neighbour-autocannon-failed', `neighbour "${s.name}": ${probe.message}`, {
        hint: 'autocannon is an npm dependency of shipbench: run npm ci (or npm run setup)',
        exitCode: ExitCode.usage,
      });
    }
    if (probe.requestsPerSecond === 0 || probe.errors + probe.non2xx > 0) {
      throw new ShipbenchError(
        'neighbour-http-failed',
        `neighbour "${s.name}": autocannon's probe of the service got ${probe.requestsPerSecond} requests/s, ${probe.errors} errors and ${probe.non2xx} non-2xx answers`,
        { hint: `check that the work directory ${this.dir} is writable and has free space`, exitCode: ExitCode.usage },
      );
    }
    this.probe = probe;
  }

  private async untilReady<T>(ready: Promise<T>, proc: NeighbourProcess, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const failed = Promise.race([
      proc.exited.then(() => `${what} exited at start (${proc.exitDescription})`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`${what} did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS))),
    ]);
    try {
      const first = await Promise.race([ready.then((value) => ({ value })), failed.then((why) => ({ why }))]);
      if ('why' in first) {
        throw new ShipbenchError('neighbour-http-failed', `neighbour "${this.settings.name}" (http): ${first.why}`, {
          hint: 'run `shipbench doctor` and check that the output directory is writable',
          exitCode: ExitCode.usage,
        });
      }
      return first.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Why the neighbour stopped measuring on its own, or undefined while it is healthy. */
  get crash(): string | undefined {
    if (this.service?.crashed === true) return `its service process exited (${this.service.exitDescription})`;
    if (this.load?.crashed === true) return `its load generator exited (${this.load.exitDescription})`;
    return undefined;
  }

  /** The service's and the load generator's PIDs while they run: both are the neighbour a node would host. */
  pids(): number[] {
    return [this.service?.pid, this.load?.pid].filter((pid): pid is number => pid !== undefined);
  }

  async stop(): Promise<void> {
    await this.load?.stop();
    await this.service?.stop();
  }

  /** For tests of crash handling: the service's PID. */
  get servicePid(): number | undefined {
    return this.service?.child.pid;
  }
}
