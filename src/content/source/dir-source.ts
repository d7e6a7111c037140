import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ShipbenchError } from '../../core/errors.ts';
import type { ResolvedContentSource } from '../../scenario/content-source.ts';
import { compareEntryPaths, fileEntry, symlinkEntry, type FileEntry } from '../file-entry.ts';
import { RealContent } from './real-content.ts';
import { realFileKind } from './real-file-kind.ts';
import { sourceComponentMatcher } from './source-component-map.ts';

/** A real tree as it was read: its files and symlinks as entries (under the source's `at`). */
export interface ReadSourceTree {
  readonly files: FileEntry[];
  /** Symlinks among the files: shipped as links (their target as read, never followed). */
  readonly symlinks: number;
}

/**
 * Reads a directory tree the user points at, read-only: regular files become entries keyed by their
 * sha256, a symlink an entry holding its target (read with readlink, never followed, so a link out of the
 * tree ships as a link and nothing outside is read), directories are walked, and a device, FIFO or socket is refused, as
 * the layer readers refuse them (a FIFO would block the read, a device never end it).
 */
export async function readDirSource(source: Pick<Extract<ResolvedContentSource, { kind: 'dir' }>, 'dir' | 'at' | 'components'>, real: RealContent): Promise<ReadSourceTree> {
  const componentOf = sourceComponentMatcher(source.components);
  const files: FileEntry[] = [];
  let symlinks = 0;
  const walk = async (dir: string, relative: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw unreadable(dir, error);
    }
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, d.name);
      const rel = relative === '' ? d.name : `${relative}/${d.name}`;
      if (d.isDirectory()) await walk(path, rel);
      else if (d.isSymbolicLink()) {
        symlinks++;
        const target = await readlink(path).catch((error: unknown) => { throw unreadable(path, error); });
        files.push(symlinkEntry(source.at === '' ? rel : `${source.at}/${rel}`, target, componentOf(rel)));
      }
      else if (d.isFile()) files.push(await regularFile(path, rel));
      else throw new ShipbenchError('content-source-special-file', `${path} is not a regular file, directory or symlink (a device, FIFO or socket)`, { hint: 'point content.source.dir at a code tree; move special files out of it' });
    }
  };
  const regularFile = async (path: string, rel: string): Promise<FileEntry> => {
    const info = await lstat(path).catch((error: unknown) => { throw unreadable(path, error); });
    const key = RealContent.fileKey(await sha256Of(path));
    real.add(key, path);
    const component = componentOf(rel);
    return fileEntry(source.at === '' ? rel : `${source.at}/${rel}`, info.size, (info.mode & 0o111) === 0 ? 0o644 : 0o755, realFileKind(rel), key, component, undefined);
  };
  await walk(source.dir, '');
  if (files.length === symlinks) throw new ShipbenchError('content-source-empty', `${source.dir} holds no regular file`, { hint: 'point content.source.dir at the root of a code tree' });
  return { files: files.sort(compareEntryPaths), symlinks };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw unreadable(path, error);
  }
  return hash.digest('hex');
}

function unreadable(path: string, error: unknown): ShipbenchError {
  return new ShipbenchError('content-source-unreadable', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: 'shipbench reads every file of the source: fix its permissions or leave it out of the tree', cause: error });
}
