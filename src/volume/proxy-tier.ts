import { mkdir, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { ProxyStep } from '../metrics/volume-sample.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { containedPath } from './contained-path.ts';
import { rsyncExcludes } from './l10n-rebuild.ts';
import { type RsyncDaemon, startRsyncDaemon } from './rsync-daemon.ts';
import type { HeldProcesses } from './held-process.ts';
import { rsyncSync } from './rsync-sync.ts';
import type { DaemonInfo } from './volume-rollout.ts';

/** One proxy of the tier: its copy of the tree and the daemon serving it (replaced when it died). */
export interface Proxy {
  readonly index: number;
  readonly name: string;
  readonly dir: string;
  daemon: RsyncDaemon;
  active: number;
}

/** The deployment master and its proxies; every daemon ever started is in `daemons`, to be stopped by PID. */
export interface ProxyTier {
  readonly master: RsyncDaemon;
  /** The master's staging tree (scap's staging dir): each step is prepared into it, and it is what the proxies sync. */
  readonly stagingDir: string;
  readonly proxies: Proxy[];
  readonly daemons: RsyncDaemon[];
}

/** The master's module serving the staging tree. */
export const STAGING_MODULE = 'staging';

export const daemonInfo = (d: RsyncDaemon): DaemonInfo => ({ name: d.name, pid: d.pid, port: d.port });

function startProxyDaemon(workDir: string, name: string, dir: string): Promise<RsyncDaemon> {
  return startRsyncDaemon({ name, modules: [{ name: 'code', path: dir }], stateDir: containedPath(workDir, 'daemons', name) });
}

/**
 * A master rsync daemon serving the staging tree (`stagingDir`, by default the volume side's own under
 * `workDir`; the hybrid side's master unpacks images into its own), and one daemon per proxy serving the
 * proxy's copy.
 */
export async function startProxyTier(scenario: ResolvedScenario, workDir: string, daemons: RsyncDaemon[], stagingDir = containedPath(workDir, 'staging')): Promise<ProxyTier> {
  await mkdir(workDir, { recursive: true });
  await mkdir(stagingDir, { recursive: true });
  const master = await startRsyncDaemon({
    name: 'master',
    modules: [{ name: STAGING_MODULE, path: stagingDir }],
    stateDir: containedPath(workDir, 'daemons', 'master'),
  });
  daemons.push(master);
  const proxies: Proxy[] = [];
  for (let p = 0; p < scenario.volume.proxies; p++) {
    const name = `proxy-${p + 1}`;
    const dir = containedPath(workDir, 'proxies', name);
    await mkdir(dir, { recursive: true });
    const daemon = await startProxyDaemon(workDir, name, dir);
    daemons.push(daemon);
    proxies.push({ index: p, name, dir, daemon, active: 0 });
  }
  return { master, stagingDir, proxies, daemons };
}

/** Every repeat starts cold, with the whole proxy tier up again; `onRestart` hears of a replaced daemon. */
export async function resetProxyTier(tier: ProxyTier, workDir: string, onRestart: () => void): Promise<void> {
  for (const proxy of tier.proxies) {
    if (!proxy.daemon.alive()) {
      await proxy.daemon.stop();
      proxy.daemon = await startProxyDaemon(workDir, proxy.name, proxy.dir);
      tier.daemons.push(proxy.daemon);
      onRestart();
    }
    await rm(proxy.dir, { recursive: true, force: true });
    await mkdir(proxy.dir, { recursive: true });
  }
  // The master starts cold too: the first step's prep copies the whole tree into staging.
  await rm(tier.stagingDir, { recursive: true, force: true });
  await mkdir(tier.stagingDir, { recursive: true });
  await rm(containedPath(workDir, 'nodes'), { recursive: true, force: true });
}

/**
 * The proxy tier first, all at once, as scap's sync-proxies does before the targets sync. Returns each
 * proxy's figures and the bytes it received from the master.
 */
export async function syncProxyTier(
  scenario: ResolvedScenario,
  tier: ProxyTier,
  module: string,
  signal: AbortSignal | undefined,
  held?: HeldProcesses,
): Promise<{ proxySteps: Map<string, ProxyStep>; received: number }> {
  const proxySteps = new Map<string, ProxyStep>();
  let received = 0;
  await Promise.all(
    tier.proxies.map(async (proxy) => {
      const heldSync = held?.take(proxy.name);
      const t0 = performance.now();
      const outcome = proxy.daemon.alive() ? await rsyncSync({ source: tier.master.url(module), dest: proxy.dir, compress: scenario.volume.compress, delayUpdates: scenario.volume.delayUpdates, excludes: rsyncExcludes(scenario), signal, held: heldSync }) : undefined;
      void heldSync?.close();
      const fromMaster = outcome?.ok === true ? outcome.stats.bytesReceived : 0;
      received += fromMaster;
      proxySteps.set(proxy.name, {
        proxy: proxy.name,
        bytesFromMaster: fromMaster,
        syncSeconds: (performance.now() - t0) / 1000,
        egressBytes: 0,
        nodesServed: 0,
        // A proxy that cannot get the new tree must not serve the old one as if it were new.
        failed: outcome?.ok !== true || !proxy.daemon.alive(),
      });
    }),
  );
  return { proxySteps, received };
}
