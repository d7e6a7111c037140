import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ContentionFigures, type ContentionSnapshot, contentionBetween, contentionSnapshot, delayAccountingEnabled } from '../metrics/contention-counters.ts';
import { epochNowMs, type EpochWindow, type NeighbourOperation } from '../metrics/neighbour-operation.ts';
import type { StepIdentity } from '../metrics/step-hook.ts';
import type { ResolvedNeighbour, ResolvedNeighbours } from '../scenario/neighbours-resolved.ts';
import { CpuIsolation, descendantsOf, type IsolationOutcome } from './cpu-isolation.ts';
import type { HttpProbe } from './http-neighbour.ts';
import { PressureGroups } from './pressure-groups.ts';
import type { NeighbourWorkload } from './neighbour-workload.ts';
import { createWorkload } from './neighbour-workloads.ts';

/** The three phases of one measured step, on the epoch clock of the operations. */
export interface PhaseWindows {
  readonly baseline: EpochWindow;
  readonly contention: EpochWindow;
  readonly recovery: EpochWindow;
}

/** One neighbour around one deploy step: its operations from the baseline's start to the recovery's end. */
export interface NeighbourStepRecord {
  readonly neighbour: ResolvedNeighbour;
  readonly step: StepIdentity;
  readonly windows: PhaseWindows;
  readonly operations: readonly NeighbourOperation[];
  /** Requests the http load generator sent more than 10 ms late (it was starved of CPU itself). */
  readonly lateSends: number;
  /** Set when the neighbour crashed or failed during (or before) this step; its figures are then partial. */
  readonly crash: string | undefined;
  /** Where the neighbour's processes spent each phase (CPU run-queue wait, I/O wait) and what the disk did. */
  readonly contention: PhaseContention;
  /** The same for what competes with it: shipbench's process and every other process it started (nodes, rsync, engines). */
  readonly harness: PhaseContention;
}

export interface PhaseContention {
  readonly baseline: ContentionFigures;
  readonly contention: ContentionFigures;
  readonly recovery: ContentionFigures;
}

export type NeighbourEvent =
  | { readonly type: 'neighbour-phase'; readonly phase: 'baseline' | 'recovery'; readonly step: StepIdentity; readonly seconds: number }
  | { readonly type: 'neighbour-crashed'; readonly neighbour: string; readonly message: string };

export interface NeighbourSessionOptions {
  readonly neighbours: ResolvedNeighbours;
  /** Neighbour files go to `<workDir>/<name>/`: put it on the disk the nodes write to. */
  readonly workDir: string;
  readonly onEvent?: (event: NeighbourEvent) => void;
  /** Called after each measured step's recovery, once per neighbour. */
  readonly onRecord: (record: NeighbourStepRecord) => Promise<void>;
  /** Once aborted, baseline and recovery waits end at once (an interrupted run must exit within seconds). */
  readonly signal?: AbortSignal | undefined;
  /** The block device the neighbours and nodes share, for its queue and latency per phase; undefined: none (tmpfs). */
  readonly diskDevice?: string | undefined;
}

/**
 * The neighbours of one run: started once (http service and its load run throughout; fio runs once per
 * step), and an `aroundStep` hook for the rollout runners that holds each selected step between a baseline
 * and a recovery phase. A neighbour that crashes is reported once and left out of later steps; the
 * rollout goes on.
 */
export class NeighbourSession {
  private readonly options: NeighbourSessionOptions;
  private readonly workloads: NeighbourWorkload[] = [];
  private readonly crashed = new Map<string, string>();
  private readonly isolation: CpuIsolation | undefined;
  /** The CPU isolation in force, or why there is none (cpu-isolation.ts). */
  readonly isolationOutcome: IsolationOutcome;
  private readonly delayAccounting = delayAccountingEnabled();
  private readonly pressure: PressureGroups | undefined;

  private constructor(options: NeighbourSessionOptions) {
    this.options = options;
    const { isolation, outcome } = CpuIsolation.create(options.neighbours.isolation);
    this.isolation = isolation;
    this.isolationOutcome = outcome;
    this.pressure = PressureGroups.create(isolation?.neighboursV2Dir);
  }

  /** Whether each neighbour's CPU and I/O stalls are read from its own cgroup's PSI. */
  get stallsMeasured(): boolean {
    return this.pressure !== undefined;
  }

  /** A neighbour's processes onto the neighbours' cores and into its pressure group. */
  private place(n: NeighbourWorkload): void {
    const pids = n.pids();
    if (this.pressure?.insideIsolation !== true) this.isolation?.move('neighbours', pids);
    this.pressure?.place(n.settings.name, pids);
  }

  /** Whether /proc/PID/stat's blkio delay (I/O wait) is counted on this kernel. */
  get ioWaitMeasured(): boolean {
    return this.delayAccounting;
  }

  /** Starts every neighbour; throws a ShipbenchError naming the component when one cannot start. */
  static async start(options: NeighbourSessionOptions): Promise<NeighbourSession> {
    const session = new NeighbourSession(options);
    try {
      session.pinHarness();
      for (const w of options.neighbours.workloads) {
        const workload = createWorkload(w, join(options.workDir, w.name));
        session.workloads.push(workload);
        await workload.start();
        session.place(workload);
      }
    } catch (error) {
      await session.stop();
      throw error;
    }
    return session;
  }

  get probes(): ReadonlyMap<string, HttpProbe> {
    return new Map(this.workloads.flatMap((n) => (n.probe === undefined ? [] : [[n.settings.name, n.probe] as const])));
  }

  get fioVersion(): string | undefined {
    return this.workloads.find((n) => n.toolVersion?.name === 'fio')?.toolVersion?.version;
  }

  private selected(step: StepIdentity): boolean {
    const { steps, strategies } = this.options.neighbours;
    return !step.warmup && (steps === undefined || steps.includes(step.step)) && (strategies === undefined || strategies.includes(step.strategy));
  }

  /** The `aroundStep` hook: baseline, the rollout (contention), recovery; records go to `onRecord`. */
  readonly aroundStep = async <T>(step: StepIdentity, rollout: () => Promise<T>): Promise<T> => {
    // Per-step jobs first (they begin, settle and end with the step), then those running throughout.
    const live = this.workloads.filter((n) => !this.crashed.has(n.settings.name)).sort((a, b) => Number(b.perStep) - Number(a.perStep));
    if (!this.selected(step) || live.length === 0) return rollout();
    const { baselineSeconds, recoverySeconds } = this.options.neighbours;
    for (const n of live) if (n.perStep) await n.beginStep();
    for (const n of live) this.place(n);
    // Rsync daemons, engines and registries started since the last step go to the harness's cores.
    this.pinHarness();
    const settleMs = Math.max(0, ...live.map((n) => n.settleMs));
    if (settleMs > 0) await sleep(settleMs);
    for (const n of live) if (!n.perStep) await n.beginStep();

    this.options.onEvent?.({ type: 'neighbour-phase', phase: 'baseline', step, seconds: baselineSeconds });
    const snapshots: ContentionSnapshot[][] = [];
    const snapshot = () => {
      const epochMs = epochNowMs();
      const { diskDevice: device } = this.options;
      const counters = { device, delayAccounting: this.delayAccounting, epochMs };
      snapshots.push([
        ...live.map((n) => contentionSnapshot(n.pids(), { ...counters, stalls: this.pressure?.stalls(n.settings.name) ?? null })),
        contentionSnapshot(this.harnessPids(), { ...counters, stalls: null }),
      ]);
      return epochMs;
    };
    const baselineStart = snapshot();
    await this.wait(baselineSeconds * 1000);
    const contentionStart = snapshot();
    let value: T;
    let contentionEnd: number;
    try {
      value = await rollout();
    } finally {
      contentionEnd = snapshot();
    }
    this.options.onEvent?.({ type: 'neighbour-phase', phase: 'recovery', step, seconds: recoverySeconds });
    await this.wait(recoverySeconds * 1000);
    const recoveryEnd = snapshot();
    const windows: PhaseWindows = {
      baseline: { startEpochMs: baselineStart, endEpochMs: contentionStart },
      contention: { startEpochMs: contentionStart, endEpochMs: contentionEnd },
      recovery: { startEpochMs: contentionEnd, endEpochMs: recoveryEnd },
    };
    const inWindow = (ops: readonly NeighbourOperation[]) => ops.filter((o) => o.startEpochMs >= baselineStart && o.startEpochMs < recoveryEnd);

    const phasesOf = (i: number): PhaseContention => {
      const [a, b, c, d] = snapshots.map((s) => s[i] as ContentionSnapshot) as [ContentionSnapshot, ContentionSnapshot, ContentionSnapshot, ContentionSnapshot];
      return { baseline: contentionBetween(a, b), contention: contentionBetween(b, c), recovery: contentionBetween(c, d) };
    };
    const harness = phasesOf(live.length);
    for (const [i, n] of live.entries()) {
      const run = await n.endStep(inWindow);
      const crash = this.noteCrash(n.settings, run.crash);
      await this.options.onRecord({ neighbour: n.settings, step, windows, operations: run.operations, lateSends: run.lateSends, crash, contention: phasesOf(i), harness });
    }
    return value;
  };

  /** A phase's wait, cut short when the run is interrupted. */
  private async wait(ms: number): Promise<void> {
    const { signal } = this.options;
    if (signal?.aborted === true) return;
    await sleep(ms, undefined, signal === undefined ? undefined : { signal }).catch(() => undefined);
  }

  /** Reports a neighbour's first crash once; returns the crash for its record. */
  private noteCrash(neighbour: ResolvedNeighbour, crash: string | undefined): string | undefined {
    if (crash !== undefined && !this.crashed.has(neighbour.name)) {
      this.crashed.set(neighbour.name, crash);
      this.options.onEvent?.({ type: 'neighbour-crashed', neighbour: neighbour.name, message: crash });
    }
    return crash;
  }

  /** Shipbench's own process and every process it started that is not a neighbour's: virtual nodes, rsync, engines. */
  private harnessPids(): number[] {
    const neighbours = new Set(this.workloads.flatMap((n) => n.pids().flatMap((pid) => [pid, ...descendantsOf(pid)])));
    return [process.pid, ...descendantsOf(process.pid)].filter((pid) => !neighbours.has(pid));
  }

  /** The harness's processes onto the harness's cores. */
  private pinHarness(): void {
    this.isolation?.move('harness', this.harnessPids());
  }

  /** Stops every neighbour process (by PID), removes their files and the CPU isolation. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.workloads.map((n) => n.stop()));
    this.pressure?.close();
    this.isolation?.close();
    await rm(this.options.workDir, { recursive: true, force: true });
  }
}
