import { type ChildProcess, fork } from 'node:child_process';
import { CLI_HEAP_FLAGS } from './cli-heap-flags.ts';
import { type PointReply, SWEEP_WORKER_ENV } from './sweep-point-worker.ts';

/** Kept of a worker's stderr: what a crash outside `main` (an uncaught error, a fatal signal) printed. */
const STDERR_TAIL_BYTES = 4096;

export interface PointOutcome {
  /** The command's exit code; undefined when the worker died instead of answering. */
  readonly exitCode: number | undefined;
  /** How the worker died (`exit 1`, `SIGKILL`), when it did. */
  readonly died: string | undefined;
  readonly output: string;
}

interface Worker {
  readonly child: ChildProcess;
  stderrTail: string;
  pending: ((outcome: PointOutcome) => void) | undefined;
}

/**
 * Up to `size` long-lived `shipbench` processes (sweep-point-worker.ts) that run a sweep's points one after
 * another: each point is the command line a user would type, run by the same code, and the simulator's
 * compiled code stays warm from one point to the next. A worker that dies fails the point it was running;
 * the next point gets a fresh one.
 */
export class SweepPointPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private nextId = 0;

  constructor(
    private readonly env: Readonly<Record<string, string>>,
    /** The shipbench command line to fork (this process's own by default). */
    private readonly cli = process.argv[1] as string,
  ) {}

  /** The live workers' process ids. */
  get pids(): number[] {
    return [...this.all].flatMap((w) => (w.child.pid === undefined ? [] : [w.child.pid]));
  }

  /** Runs `shipbench ARGS` in a worker; the caller bounds how many run at once. */
  run(args: readonly string[]): Promise<PointOutcome> {
    const worker = this.idle.pop() ?? this.start();
    return new Promise((resolve) => {
      worker.pending = resolve;
      worker.child.send({ id: this.nextId++, args });
    }).then((outcome) => {
      if (worker.child.exitCode === null && worker.child.signalCode === null) this.idle.push(worker);
      return outcome as PointOutcome;
    });
  }

  /** Lets every worker go: with its IPC channel closed it has nothing left to do and exits. */
  async close(): Promise<void> {
    const exits = [...this.all].map((w) => (w.child.exitCode !== null || w.child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => w.child.once('exit', () => resolve()))));
    for (const w of this.all) if (w.child.connected) w.child.disconnect();
    await Promise.all(exits);
  }

  private start(): Worker {
    // As this process runs (under tsx from the sources, plain node from the bundle), with the heap
    // bin/shipbench.js asks for: a simulation's many live transfers make a small young generation costly.
    const heap = CLI_HEAP_FLAGS.filter((flag) => !process.execArgv.some((a) => a.startsWith(flag.split('=')[0]!)));
    const child = fork(this.cli, [], {
      execArgv: [...process.execArgv, ...heap],
      env: { ...process.env, ...this.env, [SWEEP_WORKER_ENV]: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker: Worker = { child, stderrTail: '', pending: undefined };
    child.stderr?.on('data', (chunk: Buffer) => {
      worker.stderrTail = (worker.stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    child.on('message', (reply: PointReply) => this.settle(worker, { exitCode: reply.code, died: undefined, output: reply.output }));
    child.on('exit', (code, signal) => {
      this.all.delete(worker);
      this.settle(worker, { exitCode: undefined, died: signal ?? `exit ${code ?? '?'}`, output: worker.stderrTail });
    });
    this.all.add(worker);
    return worker;
  }

  private settle(worker: Worker, outcome: PointOutcome): void {
    const pending = worker.pending;
    worker.pending = undefined;
    pending?.(outcome);
  }
}
