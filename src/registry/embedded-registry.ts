import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ShipbenchError } from '../core/errors.ts';
import { freePort } from '../core/free-port.ts';
import { ExitCleanup } from '../core/exit-cleanup.ts';
import { withParentDeathSignal } from '../core/parent-death.ts';
import { processAlive } from '../core/process-alive.ts';
import type { RequestCounters } from '../metrics/registry-strain.ts';
import { AccessLog, MARK_PATH } from './access-log.ts';

/**
 * A real CNCF distribution registry (Debian's docker-registry) run as our child on a free loopback port,
 * with its storage and config in a temp dir. It lives no longer than we do: stop() ends it, and so do
 * process exit, Ctrl-C and SIGTERM, taking the temp dirs along.
 */

export interface EmbeddedRegistryOptions {
  /** Keep blobs here (kept after stop); a temp dir removed on stop otherwise. */
  readonly storageDir?: string;
  /** An address of this host to listen on: loopback by default, or e.g. the host end of a veth pair remote engines reach. */
  readonly host?: string;
  /**
   * Run inside this network namespace (an emulated fleet's registry host), listening on `address:port`
   * there; the harness reaches it over the fleet's bridge.
   */
  readonly netns?: { readonly path: string; readonly address: string; readonly port: number };
  /** The registry binary; `docker-registry` on PATH by default. */
  readonly binary?: string;
  readonly auth?: EmbeddedRegistryAuth;
  /** Serve https with this PEM certificate and key. */
  readonly tls?: { readonly certificateFile: string; readonly keyFile: string };
  readonly startTimeoutMs?: number;
}

export type EmbeddedRegistryAuth =
  | { readonly htpasswd: { readonly file: string; readonly realm?: string } }
  | { readonly token: { readonly realm: string; readonly service: string; readonly issuer: string; readonly rootCertBundleFile: string } };

export interface EmbeddedRegistry {
  /** `http://127.0.0.1:PORT` (https with tls). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly storageDir: string;
  /** As `docker-registry --version` reports it, e.g. `2.8.2+ds1`. */
  readonly version: string;
  /** The last lines the registry wrote to stderr (it logs at warn level). */
  stderrTail(): string;
  /** Requests the registry logged serving so far (its access log), for registry strain. */
  readonly served: RequestCounters;
  /**
   * Resolves once every request answered before the call is counted in `served`: it sends a marker
   * request and waits for its access-log line (lines arrive in order). Resolves at once if the registry is gone.
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_BINARY = 'docker-registry';
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 5;
const STDERR_TAIL_BYTES = 16 * 1024;
// A loaded registry answers a marker late, not never; past this it is stuck, and the step's counts stand as read.
const MARK_TIMEOUT_MS = 30_000;
const DRAIN_GRACE_MS = 2_000;

interface Live {
  readonly child: ChildProcess;
  readonly tempDir: string;
}

// Process-wide cleanup while any registry runs: the registry is not ours to leave behind.
const exitCleanup = new ExitCleanup<Live>(({ child, tempDir }) => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(tempDir, { recursive: true, force: true });
});

export async function startEmbeddedRegistry(options: EmbeddedRegistryOptions = {}): Promise<EmbeddedRegistry> {
  const binary = options.binary ?? DEFAULT_BINARY;
  const host = options.netns?.address ?? options.host ?? '127.0.0.1';
  const version = await registryVersion(binary);
  await sweepStaleTempDirs();
  const tempDir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  try {
    const storageDir = options.storageDir ?? join(tempDir, 'storage');
    await mkdir(storageDir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      // A fresh namespace has every port free; the host's free ports say nothing about it.
      const port = options.netns?.port ?? (await freePort(host));
      const configFile = join(tempDir, 'config.yml');
      await writeFile(configFile, registryConfig(options, host, port, storageDir));
      const started = await spawnAndWait(binary, configFile, tempDir, options, host, port);
      if (started === 'port-taken' && attempt < PORT_ATTEMPTS) continue;
      if (started === 'port-taken') throw new ShipbenchError('registry-start-failed', `docker-registry found every port we chose on ${host} taken (${attempt} tries)`);
      const { child, tail, accessLog, stdoutClosed } = started;
      const entry: Live = { child, tempDir };
      let stopping: Promise<void> | undefined;
      const scheme = options.tls === undefined ? 'http' : 'https';
      return {
        url: `${scheme}://${host}:${port}`,
        port,
        pid: child.pid ?? -1,
        storageDir,
        version,
        stderrTail: () => tail.text(),
        served: accessLog.counters,
        settle: () => settleAccessLog(accessLog, child, stdoutClosed, scheme, host, port),
        stop: () => (stopping ??= stopChild(entry)),
      };
    }
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

async function registryVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      if (error === null) {
        resolve(stdout.trim().split(/\s+/).at(-1) ?? 'unknown');
      } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new ShipbenchError('registry-not-installed', `the registry binary ${JSON.stringify(binary)} is not installed (not on PATH)`, {
            hint: 'install the CNCF distribution registry: apt-get install docker-registry (or run scripts/setup.sh)',
          }),
        );
      } else {
        reject(new ShipbenchError('registry-start-failed', `${binary} --version failed: ${error.message}`, { hint: 'is it the CNCF distribution registry (Debian package docker-registry)?' }));
      }
    });
  });
}

function registryConfig(options: EmbeddedRegistryOptions, host: string, port: number, storageDir: string): string {
  const http: Record<string, unknown> = {
    addr: `${host}:${port}`,
    // A fixed secret silences the registry's warning; upload state never outlives this process anyway.
    secret: randomBytes(16).toString('hex'),
    headers: { 'X-Content-Type-Options': ['nosniff'] },
  };
  if (options.tls !== undefined) http.tls = { certificate: options.tls.certificateFile, key: options.tls.keyFile };
  const config: Record<string, unknown> = {
    version: 0.1,
    // The access log (stdout) is the registry's own count of requests served: registry strain reads it.
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http,
  };
  const auth = options.auth;
  if (auth !== undefined && 'htpasswd' in auth) {
    config.auth = { htpasswd: { realm: auth.htpasswd.realm ?? 'shipbench', path: auth.htpasswd.file } };
  } else if (auth !== undefined) {
    const { realm, service, issuer, rootCertBundleFile } = auth.token;
    config.auth = { token: { realm, service, issuer, rootcertbundle: rootCertBundleFile } };
  }
  return stringify(config);
}

interface StderrTail {
  text(): string;
}

const TEMP_PREFIX = 'shipbench-registry-';
const TEMP_DIR_OWNER = new RegExp(`^${TEMP_PREFIX}(\\d+)-`);

/**
 * Removes the temp dirs (config, and blob storage unless the scenario chose its own) of registries whose
 * shipbench died without cleaning up: killed with SIGKILL, the one end no handler sees. The dir names
 * their owner's PID; a dir whose owner still runs, or names no PID, is left alone. Returns what it removed.
 */
export async function sweepStaleTempDirs(): Promise<Array<{ readonly path: string; readonly ownerPid: number }>> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  const removed: Array<{ path: string; ownerPid: number }> = [];
  for (const name of names) {
    const owner = TEMP_DIR_OWNER.exec(name)?.[1];
    if (owner === undefined || processAlive(Number(owner))) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
    removed.push({ path: join(tmpdir(), name), ownerPid: Number(owner) });
  }
  return removed;
}

async function spawnAndWait(
  binary: string,
  configFile: string,
  tempDir: string,
  options: EmbeddedRegistryOptions,
  host: string,
  port: number,
): Promise<{ child: ChildProcess; tail: StderrTail; accessLog: AccessLog; stdoutClosed: Promise<void> } | 'port-taken'> {
  // nsenter execs the registry too: the parent-death signal set before it carries through.
  const argv = withParentDeathSignal(options.netns === undefined ? [binary, 'serve', configFile] : ['nsenter', `--net=${options.netns.path}`, '--', binary, 'serve', configFile]);
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let captured = '';
  const keep = (data: Buffer) => {
    captured = (captured + data.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  };
  const accessLog = new AccessLog();
  child.stdout?.on('data', (data: Buffer) => accessLog.write(data.toString('utf8')));
  const stdoutClosed = new Promise<void>((resolve) => child.stdout?.once('close', () => resolve()));
  child.stderr?.on('data', keep);
  const tail: StderrTail = { text: () => captured.trim() };
  const entry: Live = { child, tempDir };
  exitCleanup.track(entry);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const scheme = options.tls === undefined ? 'http' : 'https';
  for (;;) {
    const outcome = await Promise.race([probe(scheme, host, port), exit.then(() => 'exited' as const), spawnError]);
    if (outcome instanceof Error) {
      exitCleanup.untrack(entry);
      throw new ShipbenchError('registry-start-failed', `cannot run ${binary}: ${outcome.message}`, { hint: 'apt-get install docker-registry', cause: outcome });
    }
    if (outcome === 'ready') return { child, tail, accessLog, stdoutClosed };
    if (outcome === 'exited' || exited !== undefined) {
      exitCleanup.untrack(entry);
      if (/address already in use/i.test(captured)) return 'port-taken';
      const how = exited?.signal != null ? `was killed by ${exited.signal}` : `exited with code ${exited?.code}`;
      throw new ShipbenchError('registry-start-failed', `docker-registry ${how} while starting:\n${tail.text() || '(no output)'}`, {
        hint: `its configuration is ${configFile}; run \`${binary} serve ${configFile}\` to see it fail by hand`,
      });
    }
    if (Date.now() > deadline) {
      await stopChild(entry, false);
      throw new ShipbenchError('registry-start-failed', `docker-registry did not answer GET /v2/ on ${host}:${port} within ${options.startTimeoutMs ?? 15_000} ms:\n${tail.text() || '(no output)'}`, {
        hint: 'the machine may be overloaded; its output above may say more',
      });
    }
    await sleep(50);
  }
}

let markers = 0;

/**
 * Every request answered so far counted: a marker request's log line read (lines come in order), or, for a
 * registry that died, its stdout read to the end.
 */
async function settleAccessLog(accessLog: AccessLog, child: ChildProcess, stdoutClosed: Promise<void>, scheme: 'http' | 'https', host: string, port: number): Promise<void> {
  const token = `${process.pid}-${++markers}`;
  const seen = accessLog.marked(token);
  const answered = await Promise.race([markRequest(scheme, host, port, `${MARK_PATH}${token}`), stdoutClosed.then(() => false)]);
  if (answered) await Promise.race([seen, stdoutClosed]);
  // Dead (or dying: refused before its exit is seen): what it logged is still in the pipe, read to the end.
  // Alive but not answering: the counts stand as read.
  else if (child.exitCode !== null || child.signalCode !== null) await stdoutClosed;
  else await Promise.race([stdoutClosed, sleep(DRAIN_GRACE_MS, undefined, { ref: false })]);
  accessLog.forget(token);
}

/** 'ready' once GET /v2/ answers 200 (or 401: ready, but wants credentials); 'not-yet' otherwise. */
function probe(scheme: 'http' | 'https', host: string, port: number): Promise<'ready' | 'not-yet'> {
  return new Promise((resolve) => {
    const send = scheme === 'http' ? httpRequest : httpsRequest;
    // No keep-alive agent: a probe must leave no socket behind; the certificate may be self-signed.
    const req = send({ host, port, path: '/v2/', method: 'GET', agent: false, rejectUnauthorized: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401 ? 'ready' : 'not-yet');
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('not-yet'));
    req.end();
  });
}

/** True once the registry answered GET `path` (any status: it is logged then). */
function markRequest(scheme: 'http' | 'https', host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const send = scheme === 'http' ? httpRequest : httpsRequest;
    const req = send({ host, port, path, method: 'GET', agent: false, rejectUnauthorized: false, timeout: MARK_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(true));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function stopChild(entry: Live, removeTemp = true): Promise<void> {
  const { child } = entry;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => false)]);
    if (!graceful) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  exitCleanup.untrack(entry);
  if (removeTemp) await rm(entry.tempDir, { recursive: true, force: true });
}

