import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { LayerSample, NodeStepSample } from '../metrics/samples.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { chainIds } from './chain-id.ts';
import type { DeployContext, NodeBackend } from './node-backend.ts';
import { ContentStore } from './content-store.ts';
import { unpackLayer } from './rootfs-unpacker.ts';
import { throttleStream } from './throttle-stream.ts';
import { TokenBucket } from './token-bucket.ts';

export interface VirtualNodeOptions {
  readonly name: string;
  /** The node's disk: its content store and snapshots live here. */
  readonly dir: string;
  readonly registryUrl: string;
  readonly auth: RegistryCredentials | undefined;
  readonly maxConcurrentDownloads: number;
  readonly nicBitsPerSecond: number | undefined;
  /** Everything the node writes (blobs and unpacked files) shares this budget. */
  readonly diskWriteBytesPerSecond: number | undefined;
  readonly unpack: boolean;
}

export type { DeployContext } from './node-backend.ts';

interface ManifestLayer {
  digest: string;
  size: number;
  mediaType?: string;
}

/**
 * A node that pulls images the way containerd does, in-process: its own registry connections, a content
 * store of verified blobs, at most N layer downloads at once through its own NIC limit, and layers unpacked
 * in order into snapshots keyed by ChainID (the overlayfs snapshotter's layout: one directory per layer).
 * Blobs and snapshots persist across deploy steps, so a later step moves only what the layer layout makes
 * it move; those of images older than the previous one are garbage-collected, as a kubelet's GC would.
 */
export class VirtualNode implements NodeBackend {
  readonly name: string;
  readonly kind = 'virtual' as const;
  readonly endpoint = 'in-process';
  private readonly options: VirtualNodeOptions;
  private readonly client: DistributionClient;
  private readonly store: ContentStore;
  private readonly nic: TokenBucket | undefined;
  private readonly disk: TokenBucket | undefined;
  private previousImage: { blobs: Set<string>; chains: Set<string> } | undefined;

  constructor(options: VirtualNodeOptions) {
    this.name = options.name;
    this.options = options;
    this.client = new DistributionClient({ baseUrl: options.registryUrl, auth: options.auth, connections: options.maxConcurrentDownloads + 1 });
    this.store = new ContentStore(join(options.dir, 'content'));
    this.nic = options.nicBitsPerSecond === undefined ? undefined : new TokenBucket(options.nicBitsPerSecond);
    this.disk = options.diskWriteBytesPerSecond === undefined ? undefined : new TokenBucket(options.diskWriteBytesPerSecond * 8);
  }

  get retries(): number {
    return this.client.stats.retries;
  }

  get bytesDown(): number {
    return this.client.stats.bytesDown;
  }

  private snapshotDir(chainId: string): string {
    return join(this.options.dir, 'snapshots', chainId.replace(/^sha256:/, ''));
  }

  /** Clears the node's disk: the next deploy is a cold pull. */
  async reset(): Promise<void> {
    await rm(this.options.dir, { recursive: true, force: true });
    await mkdir(this.options.dir, { recursive: true });
    this.previousImage = undefined;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Pulls and unpacks `repository:tag`; failures are recorded in the sample, not thrown. */
  async deploy(context: DeployContext): Promise<NodeStepSample> {
    const started = performance.now();
    const layers: LayerSample[] = [];
    const downloaded = new Set<string>();
    let manifestSeconds = 0;
    let diskBytes = 0;
    const sample = (error?: string): NodeStepSample => ({
      node: this.name,
      backend: 'virtual',
      step: context.step,
      strategy: context.strategy,
      repeat: context.repeat,
      startSeconds: (started - context.runStartMs) / 1000,
      manifestSeconds,
      totalSeconds: (performance.now() - started) / 1000,
      layers,
      bytesDownloaded: layers.reduce((n, l) => n + (downloaded.has(l.digest) ? l.bytes : 0), 0),
      bytesWrittenToDisk: diskBytes,
      filesWritten: layers.reduce((n, l) => n + l.files, 0),
      ...(error === undefined ? {} : { error }),
    });
    try {
      const manifest = await this.client.getManifest(context.repository, context.tag, undefined, context.signal);
      const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: ManifestLayer; layers: ManifestLayer[] };
      const config = await this.fetchConfig(context.repository, parsed.config, context.signal);
      manifestSeconds = (performance.now() - started) / 1000;
      const chains = chainIds(config.rootfs.diff_ids);

      // Downloads run ahead, at most N at once; unpacking follows in layer order as each blob lands.
      const limit = pLimit(this.options.maxConcurrentDownloads);
      const downloads = parsed.layers.map((layer) => limit(() => this.download(context, layer)));
      // Every download is awaited below; this keeps a rejection that arrives first from going unhandled.
      for (const d of downloads) d.catch(() => undefined);
      for (const [i, layer] of parsed.layers.entries()) {
        const downloadSeconds = await (downloads[i] as Promise<number>);
        if (downloadSeconds > 0) {
          downloaded.add(layer.digest);
          diskBytes += layer.size;
        }
        context.signal?.throwIfAborted();
        const chain = chains[i] as string;
        let unpackSeconds = 0;
        let files = 0;
        if (this.options.unpack && !(await this.hasSnapshot(chain))) {
          const t0 = performance.now();
          const dir = this.snapshotDir(chain);
          await rm(dir, { recursive: true, force: true });
          await mkdir(dir, { recursive: true });
          const stats = await unpackLayer(this.unpackSource(layer), dir, { compression: this.disk === undefined ? 'auto' : 'none', layer: layer.digest });
          unpackSeconds = (performance.now() - t0) / 1000;
          files = stats.files;
          diskBytes += stats.bytesWritten;
        }
        layers.push({ digest: layer.digest, bytes: layer.size, downloadSeconds, unpackSeconds, files });
      }
      await this.collectGarbage(new Set([parsed.config.digest, ...parsed.layers.map((l) => l.digest)]), new Set(chains));
      return sample();
    } catch (error) {
      return sample(error instanceof Error ? error.message : String(error));
    }
  }

  /** The layer's tar for unpacking; under a disk write limit, decompressed here so the limit meters unpacked bytes. */
  private unpackSource(layer: ManifestLayer): Readable {
    const blob = createReadStream(this.store.path(layer.digest));
    if (this.disk === undefined) return blob;
    const gzip = layer.mediaType === undefined || layer.mediaType.includes('gzip');
    // pipeline() carries an error of any stage to the last one, which the unpacker reads.
    const done = () => undefined;
    return gzip ? pipeline(blob, createGunzip(), throttleStream(this.disk), done) : pipeline(blob, throttleStream(this.disk), done);
  }

  private async hasSnapshot(chain: string): Promise<boolean> {
    return readdir(this.snapshotDir(chain)).then(() => true, () => false);
  }

  private async fetchConfig(repository: string, descriptor: ManifestLayer, signal: AbortSignal | undefined): Promise<{ rootfs: { diff_ids: string[] } }> {
    const chunks: Buffer[] = [];
    await this.client.fetchBlob(repository, descriptor.digest, (chunk) => void chunks.push(chunk), { size: descriptor.size, signal });
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rootfs: { diff_ids: string[] } };
  }

  /** Seconds spent downloading, or 0 when the store already held the blob. */
  private async download(context: DeployContext, layer: ManifestLayer): Promise<number> {
    if (await this.store.has(layer.digest, layer.size)) return 0;
    const t0 = performance.now();
    const blob = await this.store.begin(layer.digest);
    try {
      await this.client.fetchBlob(
        context.repository,
        layer.digest,
        async (chunk) => {
          if (this.nic !== undefined) await this.nic.take(chunk.length);
          context.onBytes?.(chunk.length);
          if (this.disk !== undefined) await this.disk.take(chunk.length);
          await blob.write(chunk);
        },
        { size: layer.size, signal: context.signal },
      );
      await blob.commit();
    } catch (error) {
      await blob.discard();
      throw error;
    }
    return Math.max((performance.now() - t0) / 1000, Number.EPSILON);
  }

  private async collectGarbage(blobs: Set<string>, chains: Set<string>): Promise<void> {
    const keepBlobs = new Set([...blobs, ...(this.previousImage?.blobs ?? [])]);
    const keepChains = new Set([...chains, ...(this.previousImage?.chains ?? [])]);
    await this.store.retainOnly(keepBlobs);
    const snapshots = await readdir(join(this.options.dir, 'snapshots')).catch(() => []);
    for (const name of snapshots) if (!keepChains.has(`sha256:${name}`)) await rm(join(this.options.dir, 'snapshots', name), { recursive: true, force: true });
    this.previousImage = { blobs, chains };
  }
}
