import type { z } from 'zod';

/**
 * The part of a document its schema accepts, so cross-key checks can run in the same pass as the schema
 * errors (a user fixes a file in one round, not two). What the schema rejects is dropped: an invalid value,
 * a list item, or the mapping around a missing required key, until what is left parses.
 */

export type KeyPath = ReadonlyArray<string | number>;

export interface AcceptedPart<T> {
  readonly input: T;
  /**
   * Paths, as written, of what was dropped. A mapping with an unknown key counts as dropped whole: the key
   * was probably meant as one of its own (`nodez` for `nodes`), so checks of that mapping would mislead.
   */
  readonly dropped: readonly KeyPath[];
  /** A path in `input` as a path in the document as written (list items after a dropped one moved up). */
  readonly writtenPath: (path: KeyPath) => KeyPath;
}

/** Whether a check that reads `read` can be misled by what was dropped at `dropped` (one holds the other). */
export function pathsOverlap(read: KeyPath, dropped: KeyPath): boolean {
  const n = Math.min(read.length, dropped.length);
  for (let i = 0; i < n; i++) if (String(read[i]) !== String(dropped[i])) return false;
  return true;
}

/** A document the schema accepted as a whole: nothing dropped. */
export function wholePart<T>(input: T): AcceptedPart<T> {
  return { input, dropped: [], writtenPath: (path) => path };
}

const ROUNDS = 64;

/**
 * Drops what `schema` rejects from `data` until the rest parses. `placeholders` stand in for required
 * top-level keys (a scenario's `name`), which cannot be dropped; without one, `undefined` (nothing to check).
 */
export function acceptedPart<T>(schema: z.ZodType<T>, data: unknown, placeholders: Readonly<Record<string, unknown>> = {}): AcceptedPart<T> | undefined {
  const current: unknown = structuredClone(data);
  // Per list (by its written path), the written indices of the items dropped from it, ascending.
  const droppedItems = new Map<string, number[]>();
  const dropped: KeyPath[] = [];
  const writtenPath = (path: KeyPath): KeyPath => {
    const out: Array<string | number> = [];
    for (const segment of path) {
      if (typeof segment === 'number') {
        let index = segment;
        for (const gone of droppedItems.get(JSON.stringify(out)) ?? []) if (gone <= index) index++;
        out.push(index);
      } else {
        out.push(segment);
      }
    }
    return out;
  };

  for (let round = 0; round < ROUNDS; round++) {
    const result = schema.safeParse(current, { jitless: true }); // one-shot parses: see load.ts
    if (result.success) return { input: result.data, dropped, writtenPath };
    const targets: KeyPath[] = [];
    for (const issue of result.error.issues) {
      const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) targets.push([...path, key]);
        dropped.push(writtenPath(path.length === 0 ? [issue.keys[0] ?? ''] : path));
        continue;
      }
      // A missing key cannot be dropped: its mapping goes instead (a top-level one gets its placeholder).
      const placeheld = path.length === 1 && Object.hasOwn(placeholders, String(path[0]));
      targets.push(has(current, path) || placeheld ? path : path.slice(0, -1));
    }
    let changed = false;
    for (const target of uniqueDeepestFirst(targets)) {
      const key = target[target.length - 1];
      if (key === undefined) return undefined; // the whole document is rejected
      const parent = valueAt(current, target.slice(0, -1));
      const written = writtenPath(target);
      if (target.length === 1 && typeof key === 'string' && Object.hasOwn(placeholders, key) && isMapping(parent)) {
        if (parent[key] === placeholders[key]) return undefined;
        parent[key] = placeholders[key];
      } else if (Array.isArray(parent) && typeof key === 'number' && key < parent.length) {
        parent.splice(key, 1);
        const listKey = JSON.stringify(written.slice(0, -1));
        const list = droppedItems.get(listKey) ?? [];
        list.push(written[written.length - 1] as number);
        list.sort((a, b) => a - b);
        droppedItems.set(listKey, list);
      } else if (isMapping(parent) && Object.hasOwn(parent, key)) {
        delete parent[key];
      } else {
        continue;
      }
      dropped.push(written);
      changed = true;
    }
    if (!changed) return undefined;
  }
  return undefined;
}

const isMapping = (value: unknown): value is Record<string | number, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function has(root: unknown, path: KeyPath): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (key === undefined) return true;
  return parent !== null && typeof parent === 'object' && Object.hasOwn(parent, key);
}

/** Deepest and last first, so dropping one list item does not move another still to drop; a path inside
 * another dropped one is skipped (it goes with it). */
function uniqueDeepestFirst(paths: readonly KeyPath[]): KeyPath[] {
  const sorted = [...paths].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i] as string | number;
      const y = b[i] as string | number;
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return y - x;
      return String(y).localeCompare(String(x));
    }
    return b.length - a.length;
  });
  return sorted.filter((p, i) => !sorted.some((q, j) => j !== i && q.length < p.length && pathsOverlap(q, p)) && sorted.findIndex((q) => q.length === p.length && pathsOverlap(q, p)) === i);
}
