import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { ShipbenchError } from '../core/errors.ts';
import type { ImageSource } from './image-source.ts';
import { normalizeLayerPath } from './layer-scan.ts';

/** What flattening an image left: which image, how many layers, and the entries not kept as files. */
export interface FlattenedImage {
  readonly image: string;
  readonly layers: number;
  /** Devices, FIFOs (and hard links to files no earlier entry wrote): not shipped, counted. */
  readonly skipped: number;
}

/**
 * The rootfs of an image (the last one the source lists: a layout's last tag, an archive's last image, a
 * reference's own), as regular files and directories under `into`: layers applied bottom first with their
 * whiteouts (`.wh.NAME` removes NAME, `.wh..wh..opq` empties the directory), hard links copied, symlinks
 * made as symlinks (their target kept as written, never followed), special files left out, and no entry
 * written outside `into`: `..` and absolute names are refused, and so is an entry under a path the rootfs
 * holds as a symlink (a builder records the link's resolved path; writing through it could leave the tree).
 * Blobs are hashed by the source as they are read; decompressed layer tars are kept beside `into` meanwhile.
 */
export async function flattenImage(source: ImageSource, into: string): Promise<FlattenedImage> {
  const scratch = `${into}.layers`;
  await rm(into, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const tarOf = (key: string) => join(scratch, `${createHash('sha256').update(key).digest('hex')}.tar`);
  try {
    const images = await source.read(async (key, blob) => {
      await pipeline(Readable.from(decompressed(blob)), createWriteStream(tarOf(key)));
    });
    const image = images[images.length - 1];
    if (image === undefined) throw new ShipbenchError('content-source-empty', `${source.location} holds no image`, { hint: 'name an image with at least one layer' });
    await mkdir(into, { recursive: true });
    let skipped = 0;
    for (const key of image.layerKeys) skipped += await applyLayer(tarOf(key), into, `${source.location}: layer ${key}`);
    return { image: image.name, layers: image.layerKeys.length, skipped };
  } finally {
    await source.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A layer blob as a tar stream: gunzipped when it starts with gzip's magic. */
async function* decompressed(blob: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) return;
  const rest = async function* () {
    yield first.value;
    for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
  };
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(rest()), gunzip);
  for await (const chunk of gunzip) yield chunk as Buffer;
  await feeding;
}

async function applyLayer(tarFile: string, root: string, what: string): Promise<number> {
  const extract = tarExtract();
  const feeding = pipeline(createReadStream(tarFile), extract);
  // Refusing an entry stops reading mid-tar: the pipeline's premature close is that refusal, not a new error.
  feeding.catch(() => undefined);
  const parents = new RealParents(root, what);
  let skipped = 0;
  try {
    for await (const entry of extract) {
      const name = safeName(entry.header.name, what);
      const base = posix.basename(name);
      const target = join(root, name);
      await parents.check(name);
      if (base === '.wh..wh..opq') {
        for (const child of await readdir(dirname(target)).catch(() => [])) await rm(join(dirname(target), child), { recursive: true, force: true });
        parents.forget();
      } else if (base.startsWith('.wh.')) {
        await rm(join(dirname(target), base.slice(4)), { recursive: true, force: true });
        parents.forget();
      } else if (entry.header.type === 'directory') {
        await replaceNonDirectory(target);
        await mkdir(target, { recursive: true });
      } else if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        await replaceWith(target, parents);
        await pipeline(entry, createWriteStream(target, { mode: (entry.header.mode ?? 0o644) & 0o755, flags: 'wx' }));
        continue;
      } else if (entry.header.type === 'symlink' && typeof entry.header.linkname === 'string' && entry.header.linkname !== '') {
        await replaceWith(target, parents);
        await symlink(entry.header.linkname, target);
      } else if (entry.header.type === 'link' && typeof entry.header.linkname === 'string') {
        skipped += await hardLink(join(root, await parents.checked(safeName(entry.header.linkname, what))), target, parents);
      } else skipped++;
      entry.resume();
    }
    await feeding;
  } catch (error) {
    if (error instanceof ShipbenchError) throw error;
    throw new ShipbenchError('content-source-unreadable', `${what} is not a readable tar: ${(error as Error).message}`, { hint: 'copy the image again (skopeo copy)', cause: error });
  }
  return skipped;
}

/** A hard link as a copy of the file (or the symlink) an earlier entry wrote; 1 when there is none (skipped). */
async function hardLink(from: string, target: string, parents: RealParents): Promise<number> {
  const linked = await lstat(from).catch(() => undefined);
  if (linked === undefined || (!linked.isFile() && !linked.isSymbolicLink())) return 1;
  const linkTarget = linked.isSymbolicLink() ? await readlink(from) : undefined;
  await replaceWith(target, parents);
  if (linkTarget === undefined) await copyFile(from, target);
  else await symlink(linkTarget, target);
  return 0;
}

/** Clears an entry's path (a file, a link or a directory lower layers left there) and makes its parents. */
async function replaceWith(target: string, parents: RealParents): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await rm(target, { recursive: true, force: true });
  parents.forget();
}

/**
 * Checks that no parent of an entry is a symlink in the rootfs so far, so that no write, removal or read
 * goes through a link out of the tree. Verified directories are remembered until something is removed.
 */
class RealParents {
  private readonly real = new Set<string>();
  constructor(private readonly root: string, private readonly what: string) {}

  async check(name: string): Promise<void> {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (this.real.has(dir)) continue;
      const info = await lstat(join(this.root, dir)).catch(() => undefined);
      if (info === undefined) return;
      if (info.isSymbolicLink()) {
        throw new ShipbenchError('content-source-unsafe-path', `${this.what} holds the entry ${JSON.stringify(name)} under ${JSON.stringify(dir)}, which a lower entry made a symlink`, { hint: 'a normal builder records files at the path a link resolves to: inspect this image before using it' });
      }
      if (info.isDirectory()) this.real.add(dir);
    }
  }

  async checked(name: string): Promise<string> {
    await this.check(name);
    return name;
  }

  forget(): void {
    this.real.clear();
  }
}

/** A layer entry's name inside the rootfs; `..` or anything escaping it is refused. */
function safeName(name: string, what: string): string {
  const normal = posix.normalize(normalizeLayerPath(name));
  if (normal === '.' || normal === '') return '.';
  if (normal.startsWith('../') || normal === '..' || posix.isAbsolute(normal)) {
    throw new ShipbenchError('content-source-unsafe-path', `${what} holds the entry ${JSON.stringify(name)}, which points outside the image root`, { hint: 'this image was not written by a normal builder: inspect it before using it' });
  }
  return normal;
}

async function replaceNonDirectory(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) await rm(path, { force: true });
}
