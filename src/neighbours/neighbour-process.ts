import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import { createInterface } from 'node:readline';
import { ExitCleanup } from '../core/exit-cleanup.ts';
import { withParentDeathSignal } from '../core/parent-death.ts';

/** SIGKILL, synchronously: all that exit and signal handlers can still do. */
const exitCleanup = new ExitCleanup<NeighbourProcess>((proc) => proc.kill());

/**
 * A child process a neighbour runs (its service, its load generator, fio): its stdout as lines, how it
 * ended, and a stop by PID (a graceful signal, then SIGKILL) that is safe to call twice or after it died.
 * If shipbench exits, crashes or is signalled while one still runs, it is killed, and it dies with
 * shipbench killed with SIGKILL too: a neighbour left behind would go on loading the machine (fio for up
 * to a day).
 */
export class NeighbourProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrTail = '';
  private stopping = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(name: string, command: string, args: readonly string[], onLine: (line: string) => void) {
    this.name = name;
    const [program, ...rest] = withParentDeathSignal([command, ...args]);
    this.child = spawn(program as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    exitCleanup.track(this);
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', onLine);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = `${this.stderrTail}${chunk.toString('utf8')}`.slice(-2000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        exitCleanup.untrack(this);
        this.stderrTail += error.message;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
      this.child.on('exit', (code, signal) => {
        exitCleanup.untrack(this);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** The error `spawn` met, e.g. ENOENT for a program that is not installed. */
  get spawnError(): Promise<NodeJS.ErrnoException | undefined> {
    return new Promise((resolve) => {
      this.child.once('error', (error) => resolve(error));
      this.child.once('spawn', () => resolve(undefined));
    });
  }

  /** Its PID while it runs; undefined before it spawned and once it exited. */
  get pid(): number | undefined {
    return this.exit === undefined ? this.child.pid : undefined;
  }

  /** Exited without being asked to. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  get exitDescription(): string {
    if (this.exit === undefined) return 'running';
    const how = this.exit.signal === null ? `exit code ${this.exit.code ?? '?'}` : `signal ${this.exit.signal}`;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    return tail === '' ? how : `${how}: ${tail}`;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    this.stopping ||= this.exit === undefined;
    if (this.exit !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      if (this.exit === undefined) this.kill();
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL, at once; counts as asked for, not as a crash. */
  kill(): void {
    this.stopping ||= this.exit === undefined;
    if (this.exit !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, 'SIGKILL');
    } catch {
      // gone between the check and the kill
    }
  }
}

/** A TypeScript neighbour script run by node through tsx, from the sources or beside the CLI bundle. */
export function spawnNeighbourScript(script: string, config: unknown, onLine: (line: string) => void): NeighbourProcess {
  return new NeighbourProcess(script, process.execPath, ['--import', import.meta.resolve('tsx'), scriptPath(script), JSON.stringify(config)], onLine);
}

function scriptPath(script: string): string {
  // The scripts ship as sources (src/neighbours/), whether this code runs from the sources or from a bundle chunk.
  const path = join(packageRoot(), 'src', 'neighbours', script);
  if (!existsSync(path)) throw new Error(`neighbour script ${path} not found`);
  return path;
}
