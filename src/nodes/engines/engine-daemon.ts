import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShipbenchError } from '../../core/errors.ts';
import { withParentDeathSignal } from '../../core/parent-death.ts';
import { processAlive } from '../../core/process-alive.ts';
import type { TeardownRegistry } from '../../core/teardown-registry.ts';

/** A container engine daemon (dockerd, containerd) we started and own, for one node. */
export interface EngineDaemon {
  readonly pid: number;
  readonly logFile: string;
  /** Why it is gone, once it is: a node whose daemon died fails its deploys with this. */
  exitReason(): string | undefined;
  /** Resolves true once the daemon has exited, false after `ms` if it still runs. */
  waitForExit(ms: number): Promise<boolean>;
  /** The last lines of its log, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface EngineDaemonOptions {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Run inside this network namespace (`nsenter --net=`: `ip netns exec` would hide the cgroup mounts). */
  readonly netnsPath: string | undefined;
  /** Join this cgroup (v1 blkio) before exec, so the daemon and every child it forks are throttled. */
  readonly cgroupDir: string | undefined;
  /** Files holding the pids of helpers the daemon forks (dockerd's managed containerd), killed on stop if left. */
  readonly childPidFiles?: readonly string[];
  readonly ready: () => Promise<boolean>;
  readonly startTimeoutMs?: number;
  readonly teardown: TeardownRegistry;
  /**
   * SIGKILL the daemon when shipbench dies, even by SIGKILL (setpriv's parent-death signal); true unless a
   * test stands in for a daemon that outlived its owner (no setpriv), which the leftovers sweep removes.
   */
  readonly dieWithOwner?: boolean;
}

const STOP_GRACE_MS = 15_000;

/** The argv that starts `command` in the node's cgroup and network namespace. */
export function daemonArgv(options: Pick<EngineDaemonOptions, 'command' | 'args' | 'netnsPath' | 'cgroupDir'>): string[] {
  let argv = [options.command, ...options.args];
  if (options.netnsPath !== undefined) argv = ['nsenter', `--net=${options.netnsPath}`, '--', ...argv];
  // sh writes its own pid into the cgroup, then execs: the daemon keeps that pid and so the cgroup.
  if (options.cgroupDir !== undefined) argv = ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', options.cgroupDir, ...argv];
  return argv;
}

export async function startEngineDaemon(options: EngineDaemonOptions): Promise<EngineDaemon> {
  const argv = options.dieWithOwner === false ? daemonArgv(options) : withParentDeathSignal(daemonArgv(options));
  // The daemon writes its log straight into the file, not through a pipe to us: helpers it forks (dockerd's
  // containerd, sshd's sessions) inherit the descriptor and may write after the daemon exits, which a pipe
  // into a stream we have ended would turn into an uncaught write-after-end.
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal === null ? `${options.label} exited with code ${code}` : `${options.label} was killed by ${signal}`;
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let stopping: Promise<void> | undefined;
  const daemon: EngineDaemon = {
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exitReason: () => exit,
    waitForExit: (ms) => Promise.race([exited.then(() => true), sleep(ms, undefined, { ref: false }).then(() => false)]),
    logTail: () => tail(options.logFile),
    stop: () =>
      (stopping ??= (async () => {
        if (exit === undefined) {
          child.kill('SIGTERM');
          const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => false)]);
          if (!graceful) {
            child.kill('SIGKILL');
            await exited;
          }
        }
        for (const file of options.childPidFiles ?? []) await killPidFile(file);
      })()),
  };
  options.teardown.add(`${options.label} (pid ${daemon.pid})`, () => daemon.stop());

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const outcome = await Promise.race([options.ready().catch(() => false), exited.then(() => 'exited' as const), spawnError]);
    if (outcome === true) return daemon;
    if (outcome instanceof Error) {
      throw new ShipbenchError('engine-start-failed', `cannot start ${options.label}: ${outcome.message}`, { hint: 'run scripts/setup.sh (docker.io, containerd, util-linux)' });
    }
    if (outcome === 'exited' || exit !== undefined) {
      throw new ShipbenchError('engine-start-failed', `${exit ?? options.label} while starting:\n${daemon.logTail()}`, {
        hint: `the full log is ${options.logFile}; the command was: ${argv.join(' ')}`,
        exitCode: 1,
      });
    }
    if (Date.now() > deadline) {
      throw new ShipbenchError('engine-start-failed', `${options.label} did not become ready within ${(options.startTimeoutMs ?? 60_000) / 1000} s:\n${daemon.logTail()}`, {
        hint: 'the machine may be overloaded; its log above may say more',
        exitCode: 1,
      });
    }
    await sleep(100);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

async function killPidFile(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  for (let i = 0; i < 100 && processAlive(pid); i++) {
    try {
      process.kill(pid, i === 0 ? 'SIGTERM' : i < 50 ? 0 : 'SIGKILL');
    } catch {
      return;
    }
    await sleep(100);
  }
}
