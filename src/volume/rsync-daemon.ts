import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShipbenchError } from '../core/errors.ts';
import { freePort } from '../core/free-port.ts';
import { RSYNC_BINARY, RSYNC_INSTALL_HINT } from './rsync-binary.ts';
import { ExitCleanup } from '../core/exit-cleanup.ts';
import { withParentDeathSignal } from '../core/parent-death.ts';

/**
 * A real rsync daemon (`rsync --daemon --no-detach`) serving read-only modules on a free loopback port, its
 * config and log in a state directory we own. It runs in its own process group, so stop() ends the daemon
 * and every per-connection child it forked: a dead proxy really stops serving, mid-transfer too. Process
 * exit, Ctrl-C and SIGTERM stop it as well.
 */

export interface RsyncModule {
  /** Module name as clients address it: `rsync://host:port/<name>/`. */
  readonly name: string;
  readonly path: string;
}

export interface RsyncDaemonOptions {
  /** For messages: `master`, `proxy-2`. */
  readonly name: string;
  readonly modules: readonly RsyncModule[];
  /** Config, log and pid file go here. */
  readonly stateDir: string;
  readonly binary?: string;
  readonly startTimeoutMs?: number;
}

export interface RsyncDaemon {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** `rsync://127.0.0.1:PORT/<module>/` */
  url(module: string): string;
  alive(): boolean;
  /** Alive and accepting connections: after a client failed, says whether the daemon is what went away. */
  serving(): Promise<boolean>;
  logTail(): Promise<string>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 5_000;

// Process-wide cleanup while any daemon runs: exit, Ctrl-C and SIGTERM end its whole process group.
const exitCleanup = new ExitCleanup<ChildProcess>((child) => killGroup(child, 'SIGKILL'));

export async function startRsyncDaemon(options: RsyncDaemonOptions): Promise<RsyncDaemon> {
  const binary = options.binary ?? RSYNC_BINARY;
  await mkdir(options.stateDir, { recursive: true });
  const configFile = join(options.stateDir, 'rsyncd.conf');
  const logFile = join(options.stateDir, 'rsyncd.log');
  await writeFile(configFile, rsyncdConfig(options.modules, logFile));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(HOST);
    const started = await spawnAndWait(binary, configFile, logFile, port, options);
    if (started === 'port-taken' && attempt < PORT_ATTEMPTS) continue;
    if (started === 'port-taken') throw new ShipbenchError('rsync-daemon-start-failed', `rsync daemon ${options.name} found every port we chose on ${HOST} taken (${attempt} tries)`, { exitCode: 1 });
    const child = started;
    let stopping: Promise<void> | undefined;
    return {
      name: options.name,
      port,
      pid: child.pid as number,
      url: (module) => `rsync://${HOST}:${port}/${module}/`,
      alive: () => child.exitCode === null && child.signalCode === null,
      serving: async () => child.exitCode === null && child.signalCode === null && (await probe(port)) === 'ready',
      logTail: async () => (await readFile(logFile, 'utf8').catch(() => '')).slice(-4000),
      stop: () => (stopping ??= stopChild(child)),
    };
  }
}

/** No chroot and no uid switch: the daemon runs as us, serving only the directories we generated. */
export function rsyncdConfig(modules: readonly RsyncModule[], logFile: string): string {
  const lines = ['use chroot = no', 'max connections = 0', `log file = ${logFile}`, 'transfer logging = no', ''];
  for (const m of modules) {
    if (!/^[A-Za-z0-9._-]+$/.test(m.name)) throw new Error(`rsync module name ${JSON.stringify(m.name)} is not plain`);
    if (/[\n\r]/.test(m.path)) throw new Error(`rsync module path ${JSON.stringify(m.path)} holds a line break`);
    lines.push(`[${m.name}]`, `  path = ${m.path}`, '  read only = yes', '  list = yes', '');
  }
  return `${lines.join('\n')}\n`;
}

async function spawnAndWait(binary: string, configFile: string, logFile: string, port: number, options: RsyncDaemonOptions): Promise<ChildProcess | 'port-taken'> {
  const logBefore = (await readFile(logFile, 'utf8').catch(() => '')).length;
  const [program, ...args] = withParentDeathSignal([binary, '--daemon', '--no-detach', `--config=${configFile}`, `--address=${HOST}`, `--port=${port}`]);
  const child = spawn(program as string, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString('utf8')).slice(-4000)));
  exitCleanup.track(child);
  const exit = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const log = async () => (await readFile(logFile, 'utf8').catch(() => '')).slice(logBefore);
  for (;;) {
    const outcome = await Promise.race([probe(port), exit, spawnError]);
    if (outcome instanceof Error) {
      exitCleanup.untrack(child);
      const missing = (outcome as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ShipbenchError(missing ? 'rsync-not-installed' : 'rsync-daemon-start-failed', `cannot run ${binary} for the ${options.name} daemon: ${outcome.message}`, { hint: RSYNC_INSTALL_HINT, cause: outcome });
    }
    // Connecting is not enough: another program may own the port; the log says ours is listening.
    if (outcome === 'ready' && /listening on port/.test(await log())) return child;
    if (outcome === 'exited' || child.exitCode !== null || child.signalCode !== null) {
      exitCleanup.untrack(child);
      const text = `${await log()}\n${stderr}`.trim();
      if (/address already in use/i.test(text)) return 'port-taken';
      throw new ShipbenchError('rsync-daemon-start-failed', `the ${options.name} rsync daemon exited while starting:\n${text || '(no output)'}`, {
        hint: `its configuration is ${configFile}; run \`${binary} --daemon --no-detach --config=${configFile} --port=${port}\` to see it fail by hand`,
        exitCode: 1,
      });
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new ShipbenchError('rsync-daemon-start-failed', `the ${options.name} rsync daemon did not listen on ${HOST}:${port} in time:\n${(await log()) || '(no output)'}`, {
        hint: 'the machine may be overloaded',
        exitCode: 1,
      });
    }
    await sleep(25);
  }
}

function probe(port: number): Promise<'ready' | 'not-yet'> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve('ready');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('not-yet');
    });
    socket.once('error', () => resolve('not-yet'));
  });
}

/** The whole process group: the daemon and the children serving open connections. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, 'SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => false)]);
    if (!graceful) {
      killGroup(child, 'SIGKILL');
      await exited;
    }
  }
  // Connection children outlive a daemon killed from outside; they are ours to end too.
  killGroup(child, 'SIGKILL');
  exitCleanup.untrack(child);
}

