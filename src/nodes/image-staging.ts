import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lutimes, mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DistributionClient } from '../registry/distribution-client.ts';
import { ContentStore } from './content-store.ts';
import { unpackLayer } from './rootfs-unpacker.ts';

/**
 * The deployment master's side of the hybrid mechanism (Wikimedia's transitional proposal): `scap prep`
 * pulls the step's image from the registry and unpacks it into the staging tree, which scap then ships with
 * rsync as before. Blobs stay in the master's content store across steps, so a step pulls only the layers it
 * does not hold yet (what the layer strategy makes it pull); the rootfs is unpacked whole every step (a
 * changed lower layer changes what every layer above it leaves), into a fresh directory that then replaces
 * the staging tree, so the tree is never half old, half new.
 */

export interface StagingPrepFigures {
  /** Layer bytes received from the registry this step (a failed step's partial download included). */
  bytesPulled: number;
  layersPulled: number;
  layersHeld: number;
  pullSeconds: number;
  unpackSeconds: number;
  /** Regular files in the staging tree after the step (0 when it failed). */
  files: number;
}

interface Descriptor {
  readonly digest: string;
  readonly size: number;
}

/** 2020-09-13, as content/tree-writer.ts: the epoch content-derived mtimes count from. */
const MTIME_EPOCH_SECONDS = 1_600_000_000;

export class ImageStaging {
  /** The tree the master's rsync daemon serves: replaced whole by each `prepare`. */
  readonly stagingDir: string;
  private readonly store: ContentStore;
  private readonly nextDir: string;
  private readonly oldDir: string;

  /**
   * `dir` is the master's: its content store, the staging tree and the scratch trees go under it.
   * `excluded`: top-level paths of the rootfs that are not code (the image's runtime base, `usr`), removed
   * from the staging tree as scap prep would never stage them.
   */
  constructor(
    private readonly client: DistributionClient,
    dir: string,
    private readonly excluded: readonly string[],
  ) {
    this.store = new ContentStore(join(dir, 'content'));
    this.stagingDir = join(dir, 'staging');
    this.nextDir = join(dir, 'staging.next');
    this.oldDir = join(dir, 'staging.old');
  }

  /** An empty staging tree and an empty content store: the next step is a cold pull. */
  async reset(): Promise<void> {
    for (const dir of [this.store.dir, this.stagingDir, this.nextDir, this.oldDir]) await rm(dir, { recursive: true, force: true });
    await mkdir(this.stagingDir, { recursive: true });
  }

  /**
   * Pulls `repository:tag` and makes its rootfs the staging tree. `figures` is filled as work goes, so a
   * failure (thrown) leaves what was measured up to it; the old staging tree stays in place then.
   */
  async prepare(repository: string, tag: string, figures: StagingPrepFigures, signal: AbortSignal | undefined): Promise<void> {
    const t0 = performance.now();
    const manifest = await this.client.getManifest(repository, tag, undefined, signal);
    const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
    for (const layer of parsed.layers) {
      if (await this.store.has(layer.digest, layer.size)) {
        figures.layersHeld++;
        continue;
      }
      await this.download(repository, layer, figures, signal);
      figures.layersPulled++;
      figures.pullSeconds = (performance.now() - t0) / 1000;
    }
    figures.pullSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await rm(this.nextDir, { recursive: true, force: true });
    await mkdir(this.nextDir, { recursive: true });
    for (const layer of parsed.layers) {
      signal?.throwIfAborted();
      await unpackLayer(createReadStream(this.store.path(layer.digest)), this.nextDir, { layer: layer.digest });
    }
    for (const name of this.excluded) await rm(join(this.nextDir, name), { recursive: true, force: true });
    figures.files = await stampContentMtimes(this.nextDir);
    await rm(this.oldDir, { recursive: true, force: true });
    await rename(this.stagingDir, this.oldDir);
    await rename(this.nextDir, this.stagingDir);
    await rm(this.oldDir, { recursive: true, force: true });
    await this.store.retainOnly(new Set(parsed.layers.map((l) => l.digest)));
    figures.unpackSeconds = (performance.now() - t1) / 1000;
  }

  private async download(repository: string, layer: Descriptor, figures: StagingPrepFigures, signal: AbortSignal | undefined): Promise<void> {
    const blob = await this.store.begin(layer.digest);
    try {
      await this.client.fetchBlob(repository, layer.digest, (chunk) => blob.write(chunk), { size: layer.size, signal, onBytes: (n) => (figures.bytesPulled += n) });
      await blob.commit();
    } catch (error) {
      await blob.discard();
      throw error;
    }
  }
}

/**
 * Image layers carry one fixed mtime (reproducible builds), so rsync's quick check (size + mtime) would skip a
 * changed file of unchanged size. Each file gets an mtime derived from its content instead, as the
 * volume side's trees do: an unchanged file keeps its mtime from step to step, a changed one gets another.
 * Directories get the epoch. Returns the number of regular files.
 */
async function stampContentMtimes(root: string): Promise<number> {
  let files = 0;
  const dirs = [root];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) dirs.push(path);
    else if (entry.isFile()) {
      const mtime = await contentMtime(path);
      await utimes(path, mtime, mtime);
      files++;
    } else if (entry.isSymbolicLink()) await lutimes(path, MTIME_EPOCH_SECONDS, MTIME_EPOCH_SECONDS);
  }
  // Deepest first: setting a directory's times after its children were touched.
  for (const dir of dirs.sort((a, b) => b.length - a.length)) await utimes(dir, MTIME_EPOCH_SECONDS, MTIME_EPOCH_SECONDS);
  return files;
}

async function contentMtime(path: string): Promise<number> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return MTIME_EPOCH_SECONDS + (hash.digest().readUInt32BE(0) % 100_000_000);
}
