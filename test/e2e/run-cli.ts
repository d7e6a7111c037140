import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Spawns the real CLI (`node bin/shipbench.js ...args`), as a user would, for end-to-end tests. */

export interface CliResult {
  /** The exit code; a run killed by a signal or the timeout rejects instead. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Working directory; the repository root by default, so relative fixture paths work. */
  cwd?: string;
  /** Added to (and overriding) the test process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to the CLI's stdin, which is then closed (so a command that reads stdin never hangs). */
  input?: string;
  timeoutMs?: number;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../bin/shipbench.js', import.meta.url));

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stdout, stderr });
        // execFile reports a non-zero exit as an error whose `code` is the exit status.
        if (typeof error.code === 'number') return resolve({ code: error.code, stdout, stderr });
        const why = error.signal === null || error.signal === undefined ? error.message : `killed by ${error.signal}`;
        reject(new Error(`shipbench ${args.join(' ')}: ${why}\nstderr:\n${stderr}`, { cause: error }));
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}
