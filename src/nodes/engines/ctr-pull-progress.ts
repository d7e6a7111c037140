import type { EngineLayerTiming } from './docker-pull-progress.ts';

/**
 * `ctr images pull` progress (containerd 1.6: ctr itself fetches into the content store) and containerd's
 * snapshot events, turned into per-layer timings. ctr redraws a table of `layer-sha256:<hex>: <status>`
 * lines about every 100 ms, each frame ending in `elapsed: 0.4 s ...`; a download's start and end are known
 * to that resolution: its first frame as `downloading` and its first as `done`. Unpacking is timed from the
 * events: `/snapshot/prepare` with key `extract-<n> <chainID>` to `/snapshot/commit` with name `<chainID>`.
 */

export interface CtrFrameLine {
  /** performance.now() when the line arrived. */
  readonly atMs: number;
  readonly text: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const ROW = /^(layer|config|manifest|index)-(sha256:[0-9a-f]{64}):\s+([a-z]+)/;

export interface CtrDownloads {
  /** First time ctr listed the layer as actively downloading (or done, if it never showed as downloading). */
  readonly startMs: ReadonlyMap<string, number>;
  readonly doneMs: ReadonlyMap<string, number>;
  /** Layers ctr found already in the content store. */
  readonly existing: ReadonlySet<string>;
  /** When ctr printed `unpacking ...`: every blob was fetched. */
  readonly unpackStartMs: number | undefined;
}

export function parseCtrProgress(lines: readonly CtrFrameLine[]): CtrDownloads {
  const startMs = new Map<string, number>();
  const doneMs = new Map<string, number>();
  const existing = new Set<string>();
  let unpackStartMs: number | undefined;
  for (const { atMs, text } of lines) {
    const line = text.replace(ANSI, '').trim();
    if (line.startsWith('unpacking ')) unpackStartMs ??= atMs;
    const m = ROW.exec(line);
    if (m === null || m[1] !== 'layer') continue;
    const digest = m[2] as string;
    const status = m[3] as string;
    if (status === 'exists') existing.add(digest);
    if (status === 'downloading' || status === 'done') {
      if (!startMs.has(digest)) startMs.set(digest, atMs);
    }
    if (status === 'done' && !doneMs.has(digest)) doneMs.set(digest, atMs);
  }
  return { startMs, doneMs, existing, unpackStartMs };
}

export interface SnapshotEvent {
  /** Wall-clock milliseconds since the epoch, as containerd stamped it. */
  readonly epochMs: number;
  readonly topic: string;
  readonly key: string | undefined;
  readonly name: string | undefined;
}

const EVENT = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ([+-]\d{4}) \S+ \S+ (\/snapshot\/(?:prepare|commit)) (\{.*\})\s*$/;

/** One line of `ctr events`; undefined for anything but snapshot prepare/commit. */
export function parseSnapshotEvent(line: string): SnapshotEvent | undefined {
  const m = EVENT.exec(line.trim());
  if (m === null) return undefined;
  const fraction = (m[3] ?? '.0').slice(0, 4).padEnd(4, '0');
  const offset = m[4] as string;
  const epochMs = Date.parse(`${m[1]}T${m[2]}${fraction}${offset.slice(0, 3)}:${offset.slice(3)}`);
  const body = JSON.parse(m[6] as string) as { key?: string; name?: string };
  return { epochMs, topic: m[5] as string, key: body.key, name: body.name };
}

/** Each chain ID's unpack, from its snapshot's prepare to its commit: when it began (performance clock) and the milliseconds it took. */
export function unpacksByChain(events: readonly SnapshotEvent[], epochToPerformanceMs: (epochMs: number) => number): Map<string, { startMs: number; ms: number }> {
  const prepared = new Map<string, number>();
  const unpacks = new Map<string, { startMs: number; ms: number }>();
  for (const e of events) {
    if (e.topic === '/snapshot/prepare' && e.key !== undefined) {
      const chain = e.key.split(' ').at(-1) as string;
      prepared.set(chain, epochToPerformanceMs(e.epochMs));
    } else if (e.topic === '/snapshot/commit' && e.name !== undefined) {
      const startMs = prepared.get(e.name);
      if (startMs !== undefined) unpacks.set(e.name, { startMs, ms: epochToPerformanceMs(e.epochMs) - startMs });
    }
  }
  return unpacks;
}

/** Per-layer timings in manifest order; `chains[i]` is layer i's chain ID. */
export function ctrLayerTimings(
  layers: readonly { digest: string; size: number }[],
  chains: readonly string[],
  downloads: CtrDownloads,
  unpacks: ReadonlyMap<string, { startMs: number; ms: number }>,
  pullStartMs: number,
): EngineLayerTiming[] {
  return layers.map((layer, i) => {
    const done = downloads.doneMs.get(layer.digest);
    const downloaded = done !== undefined && !downloads.existing.has(layer.digest);
    const start = Math.min(downloads.startMs.get(layer.digest) ?? pullStartMs, done ?? pullStartMs);
    const unpack = unpacks.get(chains[i] as string);
    return {
      digest: layer.digest,
      bytes: layer.size,
      downloaded,
      downloadSeconds: downloaded ? Math.max(((done as number) - start) / 1000, Number.EPSILON) : 0,
      unpackSeconds: Math.max(0, (unpack?.ms ?? 0) / 1000),
      ...(downloaded ? { downloadStartMs: start } : {}),
      ...(unpack === undefined ? {} : { unpackStartMs: unpack.startMs }),
    };
  });
}
