import { z } from 'zod';
import { parseBytes, parseShare } from '../core/units.ts';
import type { SemanticProblem } from './semantic-problem.ts';
import { shareField } from './unit-fields.ts';

/**
 * `fleet.node.imageGC`: what a node keeps of the images it pulled, as a kubelet's image GC decides it.
 * - `{ high: 85%, low: 80% }` (kubelet's imageGCHigh/LowThresholdPercent, its defaults when left out):
 *   once a deploy leaves the node's disk above `high` of `fleet.node.disk.size`, unused images go, least
 *   recently used first, until it is at or below `low`.
 * - `{ keepLast: N }`: the N most recently deployed images stay, older ones go.
 * Left out: `{ keepLast: 2 }`, the in-use image and the one a rollback needs (shipbench's behaviour before
 * the option existed, and what the nodes' disks are sized for). The in-use image is never removed.
 */
export const imageGCInput = z.union(
  [
    z.strictObject({
      high: shareField().optional().meta({ description: 'start collecting above this share of fleet.node.disk.size (kubelet default 85%)' }),
      low: shareField().optional().meta({ description: 'collect down to this share (kubelet default 80%)' }),
    }),
    z.strictObject({
      keepLast: z.number({ error: 'expected a whole number of images' }).int('expected a whole number of images').min(1, 'keep at least the image in use (1)')
        .meta({ description: 'keep the N most recently deployed images' }),
    }),
  ],
  { error: 'expected { high: 85%, low: 80% } (kubelet-like thresholds) or { keepLast: 2 }' },
);
export type ImageGCInput = z.infer<typeof imageGCInput>;

export type ResolvedImageGC =
  | { readonly kind: 'keep-last'; readonly images: number }
  | { readonly kind: 'thresholds'; readonly high: number; readonly low: number; readonly highBytes: number; readonly lowBytes: number; readonly diskBytes: number };

export const KUBELET_HIGH = 0.85;
export const KUBELET_LOW = 0.8;
export const DEFAULT_KEEP_LAST = 2;

/** An image a node holds, as the GC policy sees it: `lastUsed` is the deploy that last used it (a logical clock). */
export interface HeldImageRecord {
  readonly ref: string;
  readonly lastUsed: number;
}

/**
 * The images `policy` removes after `inUse` was deployed, least recently used first (never `inUse`):
 * keep-last N drops all but the N most recently used; thresholds act only above `high` and remove until
 * `bytesKept(removed)` is at or below `low`. One rule for the virtual nodes (nodes/node-images.ts) and the
 * fleet model (model/node-disk-plan.ts).
 */
export function imagesToCollect<T extends HeldImageRecord>(policy: ResolvedImageGC, images: readonly T[], inUse: string, bytesKept: (removed: readonly T[]) => number): T[] {
  const unused = images.filter((i) => i.ref !== inUse).sort((a, b) => a.lastUsed - b.lastUsed);
  if (policy.kind === 'keep-last') return unused.slice(0, Math.max(0, images.length - policy.images));
  let held = bytesKept([]);
  if (held <= policy.highBytes) return [];
  const removed: T[] = [];
  for (const image of unused) {
    if (held <= policy.lowBytes) break;
    removed.push(image);
    held = bytesKept(removed);
  }
  return removed;
}

interface NodeDiskInput {
  readonly size?: string | number | undefined;
}

export function resolveImageGC(gc: ImageGCInput | undefined, disk: NodeDiskInput | undefined): ResolvedImageGC {
  if (gc === undefined) return { kind: 'keep-last', images: DEFAULT_KEEP_LAST };
  if ('keepLast' in gc) return { kind: 'keep-last', images: gc.keepLast };
  const high = gc.high === undefined ? KUBELET_HIGH : parseShare(gc.high);
  const low = gc.low === undefined ? KUBELET_LOW : parseShare(gc.low);
  // Problems (no size, low above high) are reported before resolving; 0 keeps a bad input inert.
  const diskBytes = disk?.size === undefined ? 0 : parseBytes(disk.size);
  return { kind: 'thresholds', high, low, highBytes: Math.floor(high * diskBytes), lowBytes: Math.floor(low * diskBytes), diskBytes };
}

/** What the schema cannot see: thresholds need a disk size, and low must not lie above high. */
export function imageGCProblems(node: { readonly imageGC?: ImageGCInput | undefined; readonly disk?: NodeDiskInput | undefined } | undefined): SemanticProblem[] {
  const gc = node?.imageGC;
  if (gc === undefined || 'keepLast' in gc) return [];
  const problems: SemanticProblem[] = [];
  const share = (v: string | number | undefined, fallback: number) => {
    try {
      return v === undefined ? fallback : parseShare(v);
    } catch {
      return undefined; // the schema already said why
    }
  };
  const high = share(gc.high, KUBELET_HIGH);
  const low = share(gc.low, KUBELET_LOW);
  if (high !== undefined && low !== undefined && low > high) {
    problems.push({
      path: ['fleet', 'node', 'imageGC', gc.low === undefined ? 'high' : 'low'],
      message: `imageGC low (${Math.round(low * 100)}%) lies above high (${Math.round(high * 100)}%): GC starts above high and frees down to low, so low must be at most high`,
      hint: 'kubelet\'s defaults are { high: 85%, low: 80% }',
    });
  }
  if (node?.disk?.size === undefined) {
    problems.push({
      path: ['fleet', 'node', 'imageGC'],
      message: 'imageGC thresholds are shares of the node disk, but fleet.node.disk.size is not set',
      hint: 'set fleet.node.disk.size (e.g. 2GiB), or keep a number of images instead: imageGC: { keepLast: 2 }',
    });
  }
  return problems;
}
