import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelinedFileWriter } from './pipelined-file-writer.ts';

/**
 * A node's local content store, like containerd's: blobs by digest under `<dir>/sha256/`. A blob is visible
 * only once complete and verified (written to a temp name, renamed), so a failed download leaves nothing
 * that a later pull would mistake for a held layer.
 */
export class ContentStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  path(digest: string): string {
    return join(this.dir, 'sha256', digest.replace(/^sha256:/, ''));
  }

  async has(digest: string, size: number): Promise<boolean> {
    return stat(this.path(digest)).then((s) => s.size === size, () => false);
  }

  /**
   * Opens a temp file for `digest`; `commit` makes it the blob, `discard` removes it. `write` keeps the
   * chunk by reference until written and returns a promise only when the caller should wait for room.
   * `settle` resolves once every chunk written so far is in the file (the caller may then reuse their memory).
   * With `sync`, commit fsyncs the blob before making it visible (as containerd's content writer does);
   * `verify`, given to commit, throws to keep a blob whose digest is wrong from becoming visible.
   */
  async begin(digest: string, options: { sync?: boolean } = {}): Promise<{ write(chunk: Buffer): void | Promise<void>; settle(): Promise<void>; commit(verify?: () => void): Promise<void>; discard(): Promise<void> }> {
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const temp = join(this.dir, `.partial-${digest.replace(/^sha256:/, '')}-${process.hrtime.bigint()}`);
    const handle = await open(temp, 'w');
    const writer = new PipelinedFileWriter(handle);
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
    };
    return {
      write: (chunk) => writer.write(chunk),
      settle: () => writer.flush(),
      commit: async (verify) => {
        await writer.flush();
        if (options.sync === true) await handle.sync();
        await close();
        verify?.();
        await rename(temp, this.path(digest));
      },
      discard: async () => {
        await writer.flush().catch(() => undefined);
        await close();
        await rm(temp, { force: true });
      },
    };
  }

  /** Removes every blob not in `keep` (garbage collection after a deploy). */
  async retainOnly(keep: ReadonlySet<string>): Promise<void> {
    const names = await readdir(join(this.dir, 'sha256')).catch(() => []);
    for (const name of names) if (!keep.has(`sha256:${name}`)) await rm(join(this.dir, 'sha256', name), { force: true });
  }
}
