import { type ChildProcess, spawn } from 'node:child_process';

/** How a released process ended: its exit code (undefined when a signal ended it) and what it printed. */
export interface HeldOutcome {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** Ended by the caller's abort signal. */
  readonly cancelled: boolean;
}

/** Waits for one line, the command shell-quoted, and becomes it; end of input before it: exit 125. */
const WAIT_AND_EXEC = 'IFS= read -r line || exit 125; eval "exec $line"';

/** Single-quoted for sh: only a quote itself needs care inside single quotes. */
const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * A process forked before the work it will do, then released into it: a shell that waits on its stdin for the
 * command and execs it, so the released command runs as that process (its exit code, signal and output).
 * Why: a fork from the harness (about 300 MB) costs 8-17 ms of its one thread (12-25 ms through execa), so
 * four node syncs meant to start together began 100 to 400 ms apart, first to last: a stagger that counted in
 * every volume makespan and that no real fleet has (each target starts its rsync on its own machine). Forked
 * ahead, outside the timed window, a release is one pipe write.
 */
export class HeldProcess {
  private readonly child: ChildProcess;
  private readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  private stdout = '';
  private stderr = '';
  private released = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn('/bin/sh', ['-c', WAIT_AND_EXEC], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    // A shell that is closed unreleased, or whose command fails to start, must not fail the write.
    this.child.stdin!.on('error', () => {});
    this.ended = new Promise((resolve) => {
      this.child.once('error', (error) => resolve({ code: null, signal: null, error }));
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** The shell's PID, which the released command keeps (it execs). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Can `args` go through the shell's one line? Not with a newline (or NUL) in a word. */
  static carries(file: string, args: readonly string[]): boolean {
    return ![file, ...args].some((word) => /[\n\0]/.test(word));
  }

  /** Runs `file args` as the held process (once); resolves when it has exited and its output is read. */
  async run(file: string, args: readonly string[], signal?: AbortSignal): Promise<HeldOutcome> {
    if (this.released) throw new Error('a held process runs one command');
    if (!HeldProcess.carries(file, args)) throw new Error('a held process cannot take a word with a newline or NUL');
    this.released = true;
    let cancelled = false;
    const abort = () => {
      cancelled = true;
      this.child.kill('SIGTERM');
    };
    if (signal?.aborted === true) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    this.child.stdin!.end(`${[file, ...args].map(shellQuote).join(' ')}\n`);
    const { code, signal: ended, error } = await this.ended;
    signal?.removeEventListener('abort', abort);
    const stderr = error === undefined ? this.stderr : `${this.stderr}${error.message}`;
    return { exitCode: code ?? undefined, signal: ended ?? undefined, stdout: this.stdout, stderr, cancelled };
  }

  /** Lets an unreleased process go: its shell reads the end of its input and exits (125). Resolves with its exit code. */
  async close(): Promise<number | undefined> {
    if (this.released) return undefined;
    this.released = true;
    this.child.stdin!.end();
    return (await this.ended).code ?? undefined;
  }
}

/** Held processes by name, for one step: each taken at most once; those nobody took end with close(). */
export class HeldProcesses {
  private readonly held = new Map<string, HeldProcess>();

  constructor(names: Iterable<string>, env: NodeJS.ProcessEnv) {
    for (const name of names) this.held.set(name, new HeldProcess(env));
  }

  take(name: string): HeldProcess | undefined {
    const held = this.held.get(name);
    this.held.delete(name);
    return held;
  }

  close(): void {
    for (const held of this.held.values()) void held.close();
    this.held.clear();
  }
}
