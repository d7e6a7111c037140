import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { NodeDisk } from '../metrics/node-disk.ts';
import type { ClientCounters } from '../metrics/registry-strain.ts';
import { DEFAULT_KEEP_LAST, type ResolvedImageGC } from '../scenario/image-gc.ts';
import { type ContainerRuntime, DEFAULT_CONTAINER_RUNTIME, runtimePullWork, type RuntimeHoldings } from '../scenario/runtime-pull-rules.ts';
import type { LayerSample, NodeStepSample } from '../metrics/samples.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import type { RegistryTimeouts } from '../registry/registry-timeouts.ts';
import { chainIds } from './chain-id.ts';
import type { DeployContext, NodeBackend } from './node-backend.ts';
import { ContentStore } from './content-store.ts';
import { ContentWriteHop } from './content-write-hop.ts';
import { FullBufferCopy } from './full-buffer-copy.ts';
import { checkCommittedDigest, startBlobDigest } from './committed-blob-digest.ts';
import { nextTick } from './next-tick.ts';
import { layerRecordsDir } from './docker-layer-metadata.ts';
import { registerLayerAsDockerd } from './dockerd-register-layer.ts';
import { NodeImages } from './node-images.ts';
import { blobDiskFull, isDiskFull, layerDiskFull } from './node-disk-full.ts';
import { unpackLayer, type UnpackOptions, type UnpackStats } from './rootfs-unpacker.ts';
import { commitSnapshotTransactions, createBoltFile } from './snapshot-bolt-commits.ts';
import { walkSnapshotUsage } from './snapshot-usage-walk.ts';
import { RUNTIME_EMULATIONS, type RuntimeEmulation } from './runtime-emulation.ts';
import { throttleStream } from './throttle-stream.ts';
import { unpigzPath, unpigzStream } from './unpigz-stream.ts';
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
  /** Registry request limits (the scenario's registry.timeouts); the client's defaults when undefined. */
  readonly timeouts?: RegistryTimeouts;
  /** What the node keeps of the images it pulled (fleet.node.imageGC); the last 2 when undefined. */
  readonly imageGC?: ResolvedImageGC;
  /** The runtime this node emulates (fleet.node.runtime); containerd when undefined. */
  readonly runtime?: ContainerRuntime;
  /** Rules that differ from the runtime's emulation (a bench measuring one, e.g. docker's untar in a child). */
  readonly emulation?: Partial<RuntimeEmulation>;
}

export type { DeployContext } from './node-backend.ts';

/** The error of a node whose deploy the run's interruption cut short: not a measurement, not a failure. */
export const INTERRUPTED = 'interrupted';

/** One layer's download: how long it took, and when it began after the node's deploy began (calibration reads when links overlapped). */
interface LayerDownload {
  readonly seconds: number;
  readonly startSeconds: number;
  /** Bytes the runtime's metadata took on disk for it (containerd's bolt transactions). */
  readonly metadataBytes: number;
}

/** A layer the runtime does not download: its blob is held (or not needed). */
const HELD: LayerDownload = { seconds: 0, startSeconds: 0, metadataBytes: 0 };

interface ManifestLayer {
  digest: string;
  size: number;
  mediaType?: string;
}

/**
 * A node that pulls images the way its runtime (fleet.node.runtime: containerd or docker) does, in-process:
 * its own registry connections, at most N layer downloads at once through its own NIC limit, and layers
 * unpacked in order into snapshots keyed by ChainID (one directory per layer, as overlayfs lays them out).
 * What it downloads and unpacks follows runtime-pull-rules.ts; where blobs go, whether they are synced and
 * when unpacking starts follow runtime-emulation.ts. What it keeps persists across deploy steps; after each
 * deploy a kubelet-like image GC (node-images.ts) removes what fleet.node.imageGC says.
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
  private readonly images: NodeImages;
  private readonly runtime: ContainerRuntime;
  private readonly emulation: RuntimeEmulation;
  /** Where downloads land: the content store, or docker's temp files (`<dir>/tmp`). */
  private readonly blobs: ContentStore;
  private hop: Promise<ContentWriteHop> | undefined;
  /** The bolt write transaction in progress, if any: the next waits for it (boltTransactions). */
  private boltQueue: Promise<unknown> = Promise.resolve();

  constructor(options: VirtualNodeOptions) {
    this.name = options.name;
    this.options = options;
    this.runtime = options.runtime ?? DEFAULT_CONTAINER_RUNTIME;
    this.emulation = { ...RUNTIME_EMULATIONS[this.runtime], ...options.emulation };
    this.client = new DistributionClient({ baseUrl: options.registryUrl, auth: options.auth, connections: options.maxConcurrentDownloads + 1, ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }) });
    this.store = new ContentStore(join(options.dir, 'content'));
    this.blobs = this.emulation.keepsBlobs ? this.store : new ContentStore(join(options.dir, 'tmp'));
    this.images = new NodeImages(options.imageGC ?? { kind: 'keep-last', images: DEFAULT_KEEP_LAST }, this.store, join(options.dir, 'snapshots'), this.emulation.layerMetadata ? layerRecordsDir(options.dir) : undefined);
    this.nic = options.nicBitsPerSecond === undefined ? undefined : new TokenBucket(options.nicBitsPerSecond);
    this.disk = options.diskWriteBytesPerSecond === undefined ? undefined : new TokenBucket(options.diskWriteBytesPerSecond * 8);
  }

  /** Where the node keeps its content store and snapshots. */
  get dir(): string {
    return this.options.dir;
  }

  get retries(): number {
    return this.client.stats.retries;
  }

  get registrySeen(): ClientCounters {
    return this.client.stats.seen;
  }

  get bytesDown(): number {
    return this.client.stats.bytesDown;
  }

  private snapshotDir(chainId: string): string {
    return join(this.options.dir, 'snapshots', chainId.replace(/^sha256:/, ''));
  }

  /** Clears the node's disk: the next deploy is a cold pull (into the bolt file a started containerd has). */
  async reset(): Promise<void> {
    await rm(this.options.dir, { recursive: true, force: true });
    await mkdir(this.options.dir, { recursive: true });
    if (this.usesBolt()) await createBoltFile(this.boltFile());
    this.images.reset();
  }

  private usesBolt(): boolean {
    const e = this.emulation;
    return e.boltTransactionsPerLayer + e.boltTransactionsPerBlob + e.boltTransactionsPerPull > 0;
  }

  private boltFile(): string {
    return join(this.options.dir, 'metadata.db');
  }

  async close(): Promise<void> {
    await this.client.close();
    (await this.hop)?.close();
  }

  /** The node's daemon socket for ctr's content writes (content-write-hop.ts), started at its first use. */
  private contentWriteHop(): Promise<ContentWriteHop> {
    this.hop ??= ContentWriteHop.start();
    return this.hop;
  }

  /**
   * Pulls and unpacks `repository:tag`; failures are recorded in the sample, not thrown. The node's time is the
   * pull's: it ends when the image is ready, before the image GC that follows (kubelet's image GC runs apart
   * from pulls; an engine node's time leaves it out too), which deploy() still awaits.
   */
  async deploy(context: DeployContext): Promise<NodeStepSample> {
    const started = performance.now();
    let pullEndedMs: number | undefined;
    const layers: LayerSample[] = [];
    let manifestSeconds = 0;
    let diskBytes = 0;
    // Layer bytes received, those of a download that then failed included: a failed node's partial figures.
    let received = 0;
    // The run's interruption, or this node's own failure, stops every request the node has in flight.
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    if (context.signal?.aborted === true) stop.abort();
    context.signal?.addEventListener('abort', onInterrupt, { once: true });
    let downloads: Array<Promise<LayerDownload>> = [];
    let nodeDisk: NodeDisk | undefined;
    const sample = (error?: string): NodeStepSample => ({
      node: this.name,
      backend: 'virtual',
      step: context.step,
      strategy: context.strategy,
      repeat: context.repeat,
      startSeconds: (started - context.runStartMs) / 1000,
      manifestSeconds,
      totalSeconds: ((pullEndedMs ?? performance.now()) - started) / 1000,
      layers,
      bytesDownloaded: received,
      bytesWrittenToDisk: diskBytes,
      filesWritten: layers.reduce((n, l) => n + l.files, 0),
      ...(error === undefined ? {} : { error }),
      ...(nodeDisk === undefined ? {} : { nodeDisk }),
    });
    try {
      const manifest = await this.client.getManifest(context.repository, context.tag, undefined, stop.signal);
      const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: ManifestLayer; layers: ManifestLayer[] };
      const config = await this.fetchConfig(context.repository, parsed.config, stop.signal);
      // Before the layers, as ctr makes most of them (its lease, the manifest's and config's content records):
      // part of the time to manifest, as an engine node's is.
      diskBytes += await this.boltTransactions(this.emulation.boltTransactionsPerPull);
      manifestSeconds = (performance.now() - started) / 1000;
      const chains = chainIds(config.rootfs.diff_ids);
      const pulled = parsed.layers.map((layer, i) => ({ ...layer, chain: chains[i] as string }));
      const work = runtimePullWork(this.runtime, pulled, await this.holdings(pulled));
      const toDownload = new Set(work.download);
      const toUnpack = new Set(work.unpack);

      // Downloads run ahead, at most N at once; unpacking follows in layer order, when the runtime would start it.
      const limit = pLimit(this.options.maxConcurrentDownloads);
      const onLayerBytes = (n: number) => {
        received += n;
        context.onBytes?.(n);
      };
      downloads = parsed.layers.map((layer, i) => (toDownload.has(i) ? limit(() => this.download(layer, context.repository, stop.signal, onLayerBytes, started)) : Promise.resolve(HELD)));
      // Every download is awaited below; this keeps a rejection that arrives first from going unhandled.
      for (const d of downloads) d.catch(() => undefined);
      if (this.emulation.unpackStarts === 'all-fetched') {
        await Promise.all(downloads);
        await nextTick(started, this.emulation.unpackTickSeconds);
      }
      for (const [i, layer] of pulled.entries()) {
        const { seconds: downloadSeconds, startSeconds: downloadStartSeconds, metadataBytes } = await (downloads[i] as Promise<LayerDownload>);
        // docker's temp blob is deleted before the kernel writes it back (measured: bench/runtime-fidelity.ts).
        if (downloadSeconds > 0 && this.emulation.keepsBlobs) diskBytes += layer.size;
        diskBytes += metadataBytes;
        stop.signal.throwIfAborted();
        const t0 = performance.now();
        const unpacked = toUnpack.has(i) ? await this.unpack(layer, layer.chain, chains[i - 1], config.rootfs.diff_ids[i]) : undefined;
        // docker's GetImageBlob temp file goes once the layer is registered.
        if (!this.emulation.keepsBlobs && downloadSeconds > 0) await rm(this.blobs.path(layer.digest), { force: true });
        diskBytes += (unpacked?.bytesWritten ?? 0) + (unpacked?.recordBytes ?? 0);
        if (unpacked !== undefined) diskBytes += await this.boltTransactions(this.emulation.boltTransactionsPerLayer);
        const unpackSeconds = unpacked === undefined ? 0 : (performance.now() - t0) / 1000;
        layers.push({ digest: layer.digest, bytes: layer.size, downloadSeconds, unpackSeconds, files: unpacked?.files ?? 0, ...(downloadSeconds > 0 ? { downloadStartSeconds } : {}), ...(unpacked === undefined ? {} : { unpackStartSeconds: (t0 - started) / 1000 }) });
      }
      pullEndedMs = performance.now();
      const keptBlobs = this.emulation.keepsBlobs ? parsed.layers.map((l) => l.digest) : [];
      nodeDisk = await this.images.deployed(`${context.repository}:${context.tag}`, new Set([parsed.config.digest, ...keptBlobs]), new Set(chains));
      return sample();
    } catch (error) {
      // Nothing of this deploy goes on behind the sample: the other downloads stop (and discard their partial blobs).
      stop.abort();
      await Promise.allSettled(downloads);
      // The run was interrupted: say so, not whatever the aborted request happened to throw.
      if (context.signal?.aborted === true) return sample(INTERRUPTED);
      return sample(error instanceof Error ? error.message : String(error));
    } finally {
      context.signal?.removeEventListener('abort', onInterrupt);
    }
  }

  /**
   * `count` bolt write transactions at their disk cost (snapshot-bolt-commits.ts), after those already queued:
   * bbolt takes one writer at a time. Returns the bytes they wrote; the file's size counts as held metadata.
   * None (docker, or a rule set to 0) touches no file.
   */
  private boltTransactions(count: number): Promise<number> {
    if (count === 0) return Promise.resolve(0);
    const db = this.boltFile();
    const run = this.boltQueue.then(async () => {
      const bytes = await commitSnapshotTransactions(db, count);
      this.images.noteMetadata((await stat(db)).size);
      return bytes;
    });
    this.boltQueue = run.catch(() => undefined);
    return run;
  }

  /** What the node holds of the image's layers: blobs in its content store (containerd), layers unpacked. */
  private async holdings(layers: ReadonlyArray<ManifestLayer & { chain: string }>): Promise<RuntimeHoldings> {
    const blobs = new Set<string>();
    const chains = new Set<string>();
    for (const layer of layers) {
      if (this.emulation.keepsBlobs && (await this.store.has(layer.digest, layer.size))) blobs.add(layer.digest);
      if (await this.hasSnapshot(layer.chain)) chains.add(layer.chain);
    }
    return { blobs, chains };
  }

  /**
   * Unpacks `layer` into the snapshot of `chain`, and for docker registers it in layerdb (`recordBytes`);
   * without fleet.node.unpack, the empty snapshot directory only records the layer as registered (docker then
   * reuses it rather than downloading it again). A layer that fails leaves nothing: moby's
   * registerWithDescriptor removes its directory and cancels its record (dockerd-register-layer.ts),
   * containerd's applyLayers removes the active snapshot.
   */
  private async unpack(layer: ManifestLayer, chain: string, parent: string | undefined, diffId: string | undefined): Promise<(UnpackStats & { recordBytes: number }) | undefined> {
    const dir = this.snapshotDir(chain);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    if (!this.options.unpack) return undefined;
    const source = this.unpackSource(layer);
    const e = this.emulation;
    const options: UnpackOptions = { compression: source.compression, layer: layer.digest, ownerAndModeAlways: e.ownerAndModeAlways, statEachEntry: e.statEachEntry, modeTwice: e.modeTwice, dirAttributes: e.dirAttributes, statParentAndTarget: e.statParentAndTarget, ...(diffId === undefined ? {} : { diffId }) };
    try {
      if (e.layerMetadata) {
        const registered = await registerLayerAsDockerd(source.stream, { dir, root: this.options.dir, chain, parent, diffId: diffId ?? '' }, options, e);
        this.images.noteSnapshot(chain, registered.stats.bytesWritten + registered.recordBytes);
        return { ...registered.stats, recordBytes: registered.recordBytes };
      }
      const stats = await unpackLayer(source.stream, dir, options);
      if (e.commitWalk) walkSnapshotUsage(dir);
      this.images.noteSnapshot(chain, stats.bytesWritten);
      return { ...stats, recordBytes: 0 };
    } catch (error) {
      // The half-unpacked layer goes, before anything else: then a full disk's free figure is what the layer had.
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (!isDiskFull(error)) throw error;
      throw await layerDiskFull(this.options.dir, layer.digest, this.blobs.path(layer.digest), isGzip(layer), error);
    }
  }

  /**
   * The layer's tar for unpacking (`tar`), or its blob as stored (`blob`, the unpacker detecting gzip). A gzip
   * layer from the emulation's `unpigzFromBytes` on goes through unpigz when it is on PATH, as both runtimes
   * do (unpigz-stream.ts); under a disk write limit it is decompressed here so the limit meters unpacked bytes.
   */
  private unpackSource(layer: ManifestLayer): { stream: Readable; compression: 'auto' | 'none' } {
    const path = this.blobs.path(layer.digest);
    const unpigz = layer.size >= this.emulation.unpigzFromBytes && layer.mediaType?.includes('gzip') === true ? unpigzPath() : null;
    if (this.disk === undefined) return unpigz === null ? { stream: createReadStream(path), compression: 'auto' } : { stream: unpigzStream(unpigz, path), compression: 'none' };
    // pipeline() carries an error of any stage to the last one, which the unpacker reads.
    const done = () => undefined;
    const throttle = throttleStream(this.disk);
    if (unpigz !== null) return { stream: pipeline(unpigzStream(unpigz, path), throttle, done), compression: 'none' };
    const blob = createReadStream(path);
    return { stream: isGzip(layer) ? pipeline(blob, createGunzip(), throttle, done) : pipeline(blob, throttle, done), compression: 'none' };
  }

  private async hasSnapshot(chain: string): Promise<boolean> {
    return readdir(this.snapshotDir(chain)).then(() => true, () => false);
  }

  private async fetchConfig(repository: string, descriptor: ManifestLayer, signal: AbortSignal | undefined): Promise<{ rootfs: { diff_ids: string[] } }> {
    const chunks: Buffer[] = [];
    await this.client.fetchBlob(repository, descriptor.digest, (chunk) => void chunks.push(chunk), { size: descriptor.size, signal });
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rootfs: { diff_ids: string[] } };
  }

  /** Seconds spent downloading the blob into the content store (containerd) or a temp file (docker), and when it began after `nodeStartedMs`. */
  private async download(layer: ManifestLayer, repository: string, signal: AbortSignal, onBytes: (bytes: number) => void, nodeStartedMs: number): Promise<LayerDownload> {
    const t0 = performance.now();
    const blob = await this.blobs.begin(layer.digest, { sync: this.emulation.syncsBlob }).catch(async (error: unknown) => {
      throw isDiskFull(error) ? await blobDiskFull(this.options.dir, layer.digest, layer.size, error) : error;
    });
    // containerd as ctr drives it sends the blob to the daemon a full buffer at a time over its socket, waiting
    // on each, and the daemon's content writer digests each write before it answers (runtime-emulation.ts):
    // the digest is the store's, not the client's.
    const digester = this.emulation.blobWriteBytes > 0 ? startBlobDigest(layer.digest) : undefined;
    const hop = digester === undefined ? undefined : (await this.contentWriteHop()).open(async (message) => {
      await blob.write(message);
      await blob.settle();
      digester.update(message);
    });
    const buffered = hop === undefined ? undefined : new FullBufferCopy(this.emulation.blobWriteBytes, (full) => hop.write(full));
    let metadataBytes = 0;
    try {
      await this.client.fetchBlob(
        repository,
        layer.digest,
        async (chunk) => {
          if (this.nic !== undefined) await this.nic.take(chunk.length);
          onBytes(chunk.length);
          if (this.disk !== undefined) await this.disk.take(chunk.length);
          if (buffered === undefined) await blob.write(chunk);
          else await buffered.push(chunk);
        },
        { size: layer.size, signal, digestedBySink: digester !== undefined },
      );
      await buffered?.end();
      await hop?.end();
      await blob.commit(digester === undefined ? undefined : () => checkCommittedDigest(digester, layer.digest, repository));
      metadataBytes = await this.boltTransactions(this.emulation.boltTransactionsPerBlob);
      if (this.emulation.keepsBlobs) this.images.noteBlob(layer.digest, layer.size);
    } catch (error) {
      hop?.abort();
      await blob.discard();
      // After the partial blob is gone: the free figure is what the download had to work with.
      if (isDiskFull(error)) throw await blobDiskFull(this.options.dir, layer.digest, layer.size, error);
      throw error;
    }
    return { seconds: Math.max((performance.now() - t0) / 1000, Number.EPSILON), startSeconds: (t0 - nodeStartedMs) / 1000, metadataBytes };
  }

}

function isGzip(layer: ManifestLayer): boolean {
  return layer.mediaType === undefined || layer.mediaType.includes('gzip');
}
