import { performance } from 'node:perf_hooks';
import { execa, type ResultPromise } from 'execa';
import type { NodeStepSample } from '../../metrics/samples.ts';
import type { DistributionClient } from '../../registry/distribution-client.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import type { DeployContext, NodeBackend } from '../node-backend.ts';
import { INTERRUPTED } from '../virtual-node.ts';
import { type CtrAuthHosts, writeCtrAuthHosts } from './ctr-registry-auth.ts';
import { type CtrFrameLine, ctrLayerTimings, parseCtrProgress, parseSnapshotEvent, type SnapshotEvent, unpacksByChain } from './ctr-pull-progress.ts';
import type { EngineDaemon } from './engine-daemon.ts';
import { type EngineHostResources, EngineNodeMeter } from './engine-node-meter.ts';
import { type ImageLayers, manifestLayers } from './manifest-layers.ts';

export const CTR_NAMESPACE = 'shipbench';

export interface ContainerdNodeOptions {
  readonly name: string;
  /** containerd's gRPC socket. */
  readonly socket: string;
  /** ctr fetches the blobs itself (containerd 1.6), so it runs in the node's namespace: this one. */
  readonly netnsPath: string | undefined;
  readonly registryHost: string;
  readonly plainHttp: boolean;
  readonly maxConcurrentDownloads: number;
  readonly registry: DistributionClient;
  readonly auth: RegistryCredentials | undefined;
  readonly endpoint: string;
  readonly resources: EngineHostResources;
  readonly daemon: EngineDaemon;
}

/**
 * A node that is a real containerd, driven with `ctr` (pull unpacks into the overlayfs snapshotter):
 * same samples and lifecycle as the Docker node. Download times come from ctr's progress frames, unpack
 * times from containerd's snapshot events.
 */
export class ContainerdNode implements NodeBackend {
  readonly name: string;
  readonly kind = 'containerd' as const;
  readonly endpoint: string;
  private bytes = 0;
  private held: string[] = [];

  constructor(private readonly options: ContainerdNodeOptions) {
    this.name = options.name;
    this.endpoint = options.endpoint;
  }

  get bytesDown(): number {
    return this.bytes;
  }

  get retries(): number {
    return 0;
  }

  reference(repository: string, tag: string): string {
    return `${this.options.registryHost}/${repository}:${tag}`;
  }

  /** `ctr` in the node's namespace, against its containerd; `signal` ends it (SIGTERM), as a cancelled pull. */
  private ctr(args: readonly string[], signal?: AbortSignal): ResultPromise<{ reject: false; stdin: 'ignore' }> {
    const ctr = ['ctr', '-a', this.options.socket, '-n', CTR_NAMESPACE, ...args];
    const argv = this.options.netnsPath === undefined ? ctr : ['nsenter', `--net=${this.options.netnsPath}`, '--', ...ctr];
    return execa(argv[0] as string, argv.slice(1), { reject: false, stdin: 'ignore', ...(signal === undefined ? {} : { cancelSignal: signal }) });
  }

  async images(): Promise<string[]> {
    const result = await this.ctr(['images', 'ls', '-q']);
    if (result.failed) throw new Error(`ctr images ls failed: ${String(result.stderr).trim()}`);
    return String(result.stdout).split('\n').filter((l) => l !== '');
  }

  /** Digests of every blob in the node's content store. */
  async contentDigests(): Promise<string[]> {
    const result = await this.ctr(['content', 'ls', '-q']);
    if (result.failed) throw new Error(`ctr content ls failed: ${String(result.stderr).trim()}`);
    return String(result.stdout).split('\n').filter((l) => l !== '');
  }

  async reset(): Promise<void> {
    const refs = await this.images();
    // --sync waits for containerd's garbage collection: content and snapshots are gone, not just the names.
    if (refs.length > 0) {
      const result = await this.ctr(['images', 'rm', '--sync', ...refs]);
      if (result.failed) throw new Error(`ctr images rm failed: ${String(result.stderr).trim()}`);
    }
    this.held = [];
  }

  async close(): Promise<void> {
    // The daemon belongs to the fleet's teardown.
  }

  async deploy(context: DeployContext): Promise<NodeStepSample> {
    const { repository, tag } = context;
    const identity = { node: this.name, backend: 'containerd' as const, host: this.endpoint };
    let image: ImageLayers;
    try {
      image = await manifestLayers(this.options.registry, repository, tag);
    } catch (e) {
      return new EngineNodeMeter(this.options.resources, identity, context).finish(performance.now(), undefined, [], `cannot read the manifest of ${repository}:${tag}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const ref = this.reference(repository, tag);
    const lines: CtrFrameLine[] = [];
    const events: SnapshotEvent[] = [];
    // Snapshot events, subscribed before the pull so none is missed.
    const watcher = execa('ctr', ['-a', this.options.socket, '-n', CTR_NAMESPACE, 'events'], { reject: false, stdin: 'ignore', buffer: false });
    watcher.stdout?.setEncoding('utf8');
    let pending = '';
    watcher.stdout?.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        const event = parseSnapshotEvent(line);
        if (event !== undefined) events.push(event);
      }
    });
    await waitForSubscription();
    // Credentials reach ctr through a private hosts.toml, never its argv (ps shows argv to every user).
    let authHosts: CtrAuthHosts | undefined;
    if (this.options.auth !== undefined) {
      const authorization = await this.options.registry.pullAuthorization(repository).catch(() => undefined);
      if (authorization !== undefined) authHosts = await writeCtrAuthHosts(this.options.registryHost, this.options.plainHttp, authorization);
    }
    // What the content store already holds is not downloaded, whatever ctr's status text says (it tells
    // "exists" from "done" by comparing creation times with its own start, which a loaded machine blurs).
    const held = new Set(await this.contentDigests().catch(() => []));
    const meter = new EngineNodeMeter(this.options.resources, identity, context);
    const epochOffsetMs = Date.now() - performance.now();
    let error: string | undefined;
    let endMs: number | undefined;
    const counted = new Set<string>();
    try {
      const args = ['images', 'pull', '--max-concurrent-downloads', String(this.options.maxConcurrentDownloads), ...(this.options.plainHttp ? ['--plain-http'] : []), ...(authHosts?.args ?? []), ref];
      // The run's interruption ends ctr (and with it the pull), so the node ends now, not when the pull would.
      context.signal?.throwIfAborted();
      const pull = this.ctr(args, context.signal);
      pull.stdout?.setEncoding('utf8');
      let partial = '';
      pull.stdout?.on('data', (chunk: string) => {
        const at = performance.now();
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const text of parts) lines.push({ atMs: at, text });
        // Throughput series: a layer's bytes count once ctr shows it done (ctr's frames are too coarse for more).
        const done = parseCtrProgress(lines).doneMs;
        for (const layer of image.layers) {
          if (done.has(layer.digest) && !counted.has(layer.digest)) {
            counted.add(layer.digest);
            context.onBytes?.(layer.size);
          }
        }
      });
      const result = await pull;
      endMs = performance.now();
      if (result.failed) {
        throw new Error(`ctr images pull failed${result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`}: ${String(result.stderr).trim().split('\n').slice(-3).join(' ')}`);
      }
      await waitForCommits(events, image.chains.at(-1) as string);
      if (!(await this.images()).includes(ref)) throw new Error(`${ref} is not in containerd after the pull`);
      this.held.push(ref);
      await this.collectGarbage();
    } catch (e) {
      endMs ??= performance.now();
      error = context.signal?.aborted === true ? INTERRUPTED : await this.failure(e);
    } finally {
      watcher.kill('SIGTERM');
      await watcher;
      await authHosts?.remove();
    }
    const parsed = parseCtrProgress(lines);
    const downloads = { ...parsed, existing: new Set([...parsed.existing, ...image.layers.map((l) => l.digest).filter((d) => held.has(d))]) };
    const timings = ctrLayerTimings(image.layers, image.chains, downloads, unpacksByChain(events, (ms) => ms - epochOffsetMs), meter.startMs);
    const firstRow = lines.find((l) => l.text.includes('layer-sha256:'))?.atMs;
    const sample = await meter.finish(endMs ?? performance.now(), firstRow, timings, error);
    this.bytes += sample.bytesDownloaded;
    return sample;
  }

  /** Why a pull failed: a daemon that died is named first (its exit gets a moment to be seen). */
  private async failure(e: unknown): Promise<string> {
    await this.options.daemon.waitForExit(500);
    const died = this.options.daemon.exitReason();
    return `${died === undefined ? '' : `${died}: `}${e instanceof Error ? e.message : String(e)}`;
  }

  private async collectGarbage(): Promise<void> {
    while (this.held.length > 2) {
      const old = this.held.shift() as string;
      await this.ctr(['images', 'rm', old]);
    }
  }
}

/** `ctr events` has no ready signal; its subscription is in place within a few milliseconds of starting. */
async function waitForSubscription(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 150));
}

/** Events stream asynchronously: wait (at most 2 s) until the top layer's commit arrived or no unpack is open. */
async function waitForCommits(events: readonly SnapshotEvent[], topChain: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (events.some((e) => e.topic === '/snapshot/commit' && e.name === topChain)) return;
    const open = events.filter((e) => e.topic === '/snapshot/prepare').length > events.filter((e) => e.topic === '/snapshot/commit').length;
    if (i >= 2 && !open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
