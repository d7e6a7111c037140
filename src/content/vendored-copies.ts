import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * Whole files that a real tree holds twice: the same library vendored in two places (VisualEditor's copy of
 * OOUI, oojs and jQuery next to core's resources/lib, the same licence in every package). Debian's MediaWiki:
 * 1,327 groups of identical files, 2.75% of its bytes. A copy is identical at any distance, which is what
 * zstd's --long window, a registry's blob dedup and rsync's whole-file match see.
 *
 * Copies replace files rather than add them, so a component keeps its file count and (the rounding remainder
 * on its largest own file) its exact byte total: a target directory's files take a source directory's names,
 * sizes and content.
 */
const COPIED_SHARE = 0.0275;
const KINDS_WITH_COPIES: ReadonlySet<ContentKind> = new Set(['php', 'js', 'css']);

export interface VendoredTree {
  readonly names: string[];
  readonly sizes: number[];
  /** For a copy, the index of the file it copies (whose content key it takes). */
  readonly copyOf: Map<number, number>;
}

function directoryOf(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('/')));
}

function byDirectory(names: readonly string[]): number[][] {
  const dirs = new Map<string, number[]>();
  names.forEach((name, i) => {
    const d = directoryOf(name);
    const list = dirs.get(d);
    if (list === undefined) dirs.set(d, [i]);
    else list.push(i);
  });
  return [...dirs.values()];
}

/** Puts `diff` bytes on the largest files that are neither copies nor copied, keeping every file at 1 byte or more. */
function settle(sizes: number[], diff: number, untouched: (i: number) => boolean): void {
  const order = sizes.map((_, i) => i).filter(untouched).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  for (const i of order) {
    if (diff === 0) return;
    const s = sizes[i] as number;
    const next = Math.max(1, s + diff);
    diff -= next - s;
    sizes[i] = next;
  }
}

export function vendorCopies(rng: Rng, kind: ContentKind, names: readonly string[], sizes: readonly number[]): VendoredTree {
  const out: VendoredTree = { names: [...names], sizes: [...sizes], copyOf: new Map() };
  if (!KINDS_WITH_COPIES.has(kind) || names.length < 4) return out;
  const total = sizes.reduce((a, b) => a + b, 0);
  const dirs = byDirectory(names);
  if (dirs.length < 2) return out;
  const used = new Set<number>();
  const sources = new Set<number>();
  let copied = 0;
  let diff = 0;
  for (let attempt = 0; attempt < 4 * dirs.length && copied < COPIED_SHARE * total; attempt++) {
    const s = rng.int(0, dirs.length - 1);
    const t = rng.int(0, dirs.length - 1);
    if (s === t || used.has(s) || used.has(t)) continue;
    used.add(s).add(t);
    const source = dirs[s] as number[];
    const target = dirs[t] as number[];
    const targetDir = directoryOf(names[target[0] as number] as string);
    for (let k = 0; k < Math.min(source.length, target.length); k++) {
      const from = source[k] as number;
      const to = target[k] as number;
      const name = names[from] as string;
      out.names[to] = `${targetDir}/${name.slice(name.lastIndexOf('/') + 1)}`;
      diff += (sizes[to] as number) - (sizes[from] as number);
      out.sizes[to] = sizes[from] as number;
      out.copyOf.set(to, from);
      sources.add(from);
      copied += sizes[from] as number;
    }
  }
  settle(out.sizes, diff, (i) => !out.copyOf.has(i) && !sources.has(i));
  // Too few files of its own to take the remainder (a tiny component): no copies rather than a wrong total.
  if (out.sizes.reduce((a, b) => a + b, 0) !== total) return { names: [...names], sizes: [...sizes], copyOf: new Map() };
  return out;
}
