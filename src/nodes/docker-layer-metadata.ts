import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { TarSplitPacker } from './tar-split-packer.ts';

/** Where a node's layer records live, one directory per ChainID (moby's image/<driver>/layerdb/sha256). */
export function layerRecordsDir(root: string): string {
  return join(root, 'layerdb', 'sha256');
}

/** JSON lines are handed to gzip in batches this size, as Go's gzip.Writer buffers the encoder's small writes. */
const TAR_SPLIT_BATCH = 64 * 1024;

/** The tar-split stream of one layer being written: fed the uncompressed tar as it passes. */
export interface TarSplitSink {
  push(chunk: Buffer): void;
  /** The tar ended: the last records, then the file is closed and synced. Throws if the tar was cut short. */
  finish(): Promise<void>;
  /** The layer failed: the stream stops where it is. */
  abort(): void;
}

/**
 * What dockerd's layer store writes, and syncs, when it registers a layer (moby 20.10 layer/layer_store.go
 * registerWithDescriptor, layer/filestore.go): a write set in layerdb/tmp (pkg/ioutils AtomicWriteSet, each
 * file fsynced as it is closed) that gets the tar-split stream while the layer is applied (applyTar:
 * TarSplitWriter, gzip, tar-split-packer.ts), then `diff`, `size`, `cache-id` and `parent` (not for the
 * bottom layer); the set is renamed to layerdb/sha256/<ChainID> once the layer is applied (tx.Commit), or
 * removed when it failed (tx.Cancel).
 */
export class DockerLayerRecord {
  private tarSplitFile: string | undefined;
  private sink: TarSplitSink | undefined;

  private constructor(
    private readonly root: string,
    private readonly set: string,
  ) {}

  static async start(root: string): Promise<DockerLayerRecord> {
    const tmp = join(root, 'layerdb', 'tmp');
    await mkdir(tmp, { recursive: true });
    return new DockerLayerRecord(root, await mkdtemp(join(tmp, 'write-set-')));
  }

  /** tar-split.json.gz of the layer, written as the tar passes (`layer` names it in errors). */
  tarSplit(layer: string): TarSplitSink {
    this.tarSplitFile = join(this.set, 'tar-split.json.gz');
    // flush: fsync before the close, as the write set's syncFileCloser does.
    const file = createWriteStream(this.tarSplitFile, { mode: 0o644, flush: true });
    const gzip = createGzip();
    gzip.pipe(file);
    let batch = '';
    const packer = new TarSplitPacker((line) => {
      batch += line;
      if (batch.length >= TAR_SPLIT_BATCH) {
        gzip.write(batch);
        batch = '';
      }
    }, layer);
    const closed = new Promise<void>((resolve, reject) => {
      file.once('close', resolve).once('error', reject);
      gzip.once('error', reject);
    });
    closed.catch(() => undefined);
    return (this.sink = {
      push: (chunk) => packer.push(chunk),
      finish: async () => {
        try {
          packer.end();
        } finally {
          gzip.end(batch);
        }
        await closed;
      },
      abort: () => {
        gzip.destroy();
        file.destroy();
      },
    });
  }

  /** The layer is applied: its small files, then the set becomes the layer's record. Bytes of every file. */
  async commit(layer: { chain: string; parent: string | undefined; diffId: string; size: number }): Promise<number> {
    const files: Array<[string, string]> = [
      ['diff', layer.diffId],
      ['size', String(layer.size)],
      ['cache-id', layer.chain.slice(-32)],
      ...(layer.parent === undefined ? [] : [['parent', layer.parent] as [string, string]]),
    ];
    let bytes = this.tarSplitFile === undefined ? 0 : (await stat(this.tarSplitFile)).size;
    for (const [name, text] of files) bytes += await syncedWriteFile(join(this.set, name), text);
    const target = join(layerRecordsDir(this.root), layer.chain.replace(/^sha256:/, ''));
    await mkdir(layerRecordsDir(this.root), { recursive: true });
    // A record left by a layer registered before (then dropped) would make the rename fail.
    await rm(target, { recursive: true, force: true });
    await rename(this.set, target);
    return bytes;
  }

  async cancel(): Promise<void> {
    this.sink?.abort();
    await rm(this.set, { recursive: true, force: true });
  }
}

async function syncedWriteFile(path: string, text: string): Promise<number> {
  const handle = await open(path, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return Buffer.byteLength(text);
}
