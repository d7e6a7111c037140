import type { LayerChange } from './layer-scan.ts';

/**
 * Bytes an image stores that no container ever sees: copies of a file that an upper layer overwrote, and
 * files an upper layer deleted (a `.wh.` whiteout of the file or of a directory above it, or an opaque
 * `.wh..wh..opq` directory). Every such copy is downloaded and unpacked by every node all the same.
 *
 * Like dive, a path that several layers hold costs the bytes of every copy but the one on top, and a
 * deleted path costs all its copies. Unlike dive (whose tree drops opaque markers and counts a deleted
 * directory once, as a whole), files hidden by an opaque directory or by a deleted directory count too:
 * the runtime hides them just the same.
 */
export interface WasteFigures {
  /** Bytes of every regular file copy in every layer. */
  readonly fileBytes: number;
  readonly wastedBytes: number;
  /** 1 - wasted / file bytes; 1 for an image without files. */
  readonly efficiency: number;
  /** File copies that are wasted. */
  readonly wastedFiles: number;
}

export function wasteOf(layers: ReadonlyArray<readonly LayerChange[]>): WasteFigures {
  const visible = new Map<string, number>();
  let fileBytes = 0;
  let wastedBytes = 0;
  let wastedFiles = 0;
  const waste = (bytes: number) => {
    wastedBytes += bytes;
    wastedFiles++;
  };
  const hideBelow = (dir: string) => {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const [path, bytes] of visible) {
      if (path.startsWith(prefix)) {
        waste(bytes);
        visible.delete(path);
      }
    }
  };
  for (const changes of layers) {
    // Deletions act on the layers below only, so they go first: a layer may delete a path and re-add it.
    for (const change of changes) {
      if (change.kind === 'delete') {
        const bytes = visible.get(change.path);
        if (bytes !== undefined) {
          waste(bytes);
          visible.delete(change.path);
        } else {
          hideBelow(change.path);
        }
      } else if (change.kind === 'opaque') {
        hideBelow(change.path);
      }
    }
    for (const change of changes) {
      if (change.kind !== 'file') continue;
      fileBytes += change.bytes;
      const below = visible.get(change.path);
      if (below !== undefined) waste(below);
      visible.set(change.path, change.bytes);
    }
  }
  return { fileBytes, wastedBytes, wastedFiles, efficiency: fileBytes === 0 ? 1 : 1 - wastedBytes / fileBytes };
}
