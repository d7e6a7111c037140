import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, ShipbenchError } from '../core/errors.ts';
import type { NeighbourOperation } from '../metrics/neighbour-operation.ts';
import type { ResolvedFioNeighbour } from '../scenario/neighbours-resolved.ts';
import { type FioOutput, parseFioLatencyLog, parseFioOutput } from './fio-output.ts';
import { NeighbourProcess } from './neighbour-process.ts';

/** What one fio run (one deploy step's three phases) measured. */
export interface FioRun {
  readonly operations: NeighbourOperation[];
  readonly output: FioOutput | undefined;
  /** Set when fio ended on its own, failed, or wrote output that does not parse. */
  readonly crash: string | undefined;
}

const MISSING_HINT = 'install it: apt-get install fio (scripts/setup.sh does), or remove the fio neighbour';

/**
 * The `fio` neighbour: one fio process per measured deploy step, time-based until stopped with SIGINT
 * (fio then finishes its job and writes its JSON and its per-I/O completion-latency log), its file in
 * `dir` on the nodes' disk. Per-phase figures come from the log, sliced by the phases' windows.
 */
export class FioNeighbour {
  readonly settings: ResolvedFioNeighbour;
  version: string | undefined;
  private readonly dir: string;
  private running: NeighbourProcess | undefined;
  private runs = 0;

  constructor(settings: ResolvedFioNeighbour, dir: string) {
    this.settings = settings;
    this.dir = dir;
  }

  private args(runDir: string, seconds: number | undefined): string[] {
    const s = this.settings;
    return [
      `--name=${s.name}`,
      `--directory=${this.dir}`,
      `--filename=${s.name}.data`,
      `--rw=${s.rw}`,
      `--bs=${s.blockBytes}`,
      `--size=${s.fileBytes}`,
      `--direct=${s.direct ? 1 : 0}`,
      '--ioengine=psync',
      // The job as a thread of fio's one process: a forked job calls setsid and outlives a killed fio.
      '--thread',
      `--rate_iops=${s.rateIops}`,
      '--time_based',
      `--runtime=${Math.round((seconds ?? 86_400) * 1000)}ms`,
      `--write_lat_log=${join(runDir, 'lat')}`,
      '--log_unix_epoch=1',
      '--output-format=json',
      `--output=${join(runDir, 'fio.json')}`,
    ];
  }

  /** Before any rollout: fio is there and its job runs here (lays out its file, checks direct I/O). */
  async preflight(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const version = new NeighbourProcess('fio', 'fio', ['--version'], (line) => (this.version ??= line.trim()));
    const spawnError = await version.spawnError;
    if (spawnError?.code === 'ENOENT') {
      throw new ShipbenchError('neighbour-fio-missing', `neighbour "${this.settings.name}" needs fio, which is not installed (not on PATH)`, { hint: MISSING_HINT, exitCode: ExitCode.usage });
    }
    await version.exited;
    await this.layOut();
    const run = await this.runFor(0.5);
    if (run.crash !== undefined || run.operations.length === 0) {
      throw new ShipbenchError('neighbour-fio-failed', `neighbour "${this.settings.name}": fio ${run.crash ?? 'completed no I/O in 0.5 s'}`, {
        hint: this.settings.direct ? `direct I/O needs a filesystem that supports O_DIRECT under ${this.dir} (not tmpfs): set direct: false or choose another --out` : 'check fio\'s message above',
        exitCode: ExitCode.usage,
      });
    }
  }

  /**
   * Writes fio's file in 1 MiB buffered chunks: fio would lay it out in `blockSize` writes, which under
   * direct I/O takes minutes for a few tens of MiB on a virtual disk.
   */
  private async layOut(): Promise<void> {
    const file = await open(join(this.dir, `${this.settings.name}.data`), 'w');
    try {
      const chunk = randomBytes(2 ** 20);
      for (let at = 0; at < this.settings.fileBytes; at += chunk.length) {
        await file.write(chunk, 0, Math.min(chunk.length, this.settings.fileBytes - at), at);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }

  private async runFor(seconds: number): Promise<FioRun> {
    const runDir = join(this.dir, `run-${this.runs++}`);
    await mkdir(runDir, { recursive: true });
    const proc = new NeighbourProcess('fio', 'fio', this.args(runDir, seconds), () => undefined);
    await proc.exited;
    return this.collect(runDir, proc);
  }

  /** Starts fio for one step; `endStep` stops it and returns what it measured. */
  async beginStep(): Promise<void> {
    const runDir = join(this.dir, `run-${this.runs++}`);
    await mkdir(runDir, { recursive: true });
    this.running = new NeighbourProcess('fio', 'fio', this.args(runDir, undefined), () => undefined);
    this.runDir = runDir;
  }

  private runDir = '';

  async endStep(): Promise<FioRun> {
    const proc = this.running;
    if (proc === undefined) return { operations: [], output: undefined, crash: 'fio was not started' };
    this.running = undefined;
    const crashedBefore = proc.crashed;
    await proc.stop('SIGINT', 10_000);
    const run = await this.collect(this.runDir, proc);
    await rm(this.runDir, { recursive: true, force: true });
    return crashedBefore && run.crash === undefined ? { ...run, crash: `fio exited before the step ended (${proc.exitDescription})` } : run;
  }

  private async collect(runDir: string, proc: NeighbourProcess): Promise<FioRun> {
    let output: FioOutput | undefined;
    let crash: string | undefined;
    try {
      output = parseFioOutput(await readFile(join(runDir, 'fio.json'), 'utf8').catch(() => ''));
      const job = output.jobs[0];
      if (job !== undefined && job.error !== 0) crash = `job error ${job.error} (${proc.exitDescription})`;
    } catch (error) {
      crash = `failed: ${error instanceof Error ? error.message : String(error)} (${proc.exitDescription})`;
    }
    const log = await readFile(join(runDir, 'lat_clat.1.log'), 'utf8').catch(() => '');
    return { operations: parseFioLatencyLog(log), output, crash };
  }

  /** fio's PID while a step's job runs. */
  pids(): number[] {
    return this.running?.pid === undefined ? [] : [this.running.pid];
  }

  async stop(): Promise<void> {
    await this.running?.stop('SIGINT', 10_000);
  }
}
