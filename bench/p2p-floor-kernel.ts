import { performance } from 'node:perf_hooks';
import { Rng } from '../src/core/rng.ts';
import { MinHeap } from '../src/model/min-heap.ts';

/**
 * The P2P protocol's core with nothing beside it, every state a flat typed array: a yardstick for what a
 * data-oriented rewrite of the fleet model's P2P could cost at best (bench/p2p-floor.ts), not a model anyone
 * should read answers from. Each node wants every chunk of one image from the peers of its data centre (and an
 * origin there that holds them all); it keeps `inFlight` transfers going, picks the rarest of a few chunks it
 * lacks from a node-specific offset and the first of up to 16 holders with a free upload slot; a transfer crosses
 * the uploader's upload, the downloader's NIC and its disk (written twice: the agent's copy); its first piece makes
 * the chunk servable (an event) and its end makes it whole (another). A node that finds no source waits until a
 * slot frees or a holder appears. Rates are re-filled max-min over the flows on what changed, the others held:
 * less than the model's exact incremental max-min, as everything here is less than the model.
 *
 * Left out, all of which the model does: write-back and unpack flows, page cache and disk reads, layers and their
 * downloads, requests, joins and round trips, the end game, bottleneck groups, exact max-min's checks, meters and
 * blame, ranking waiters by load and holders by rate, the rollout.
 */
export interface FloorCase {
  readonly nodes: number;
  readonly datacentres: number;
  readonly chunks: number;
  readonly chunkBytes: number;
  readonly pieceBytes: number;
  /** Upload slots of a node or origin (p2p.peers). */
  readonly slots: number;
  /** Transfers a node keeps in flight. */
  readonly inFlight: number;
  readonly uploadBytesPerSecond: number;
  readonly nicBytesPerSecond: number;
  readonly diskBytesPerSecond: number;
  readonly originBytesPerSecond: number;
  /** Coefficients of variation of the nodes' NICs and disks (log-normal). */
  readonly nicSpread: number;
  readonly diskSpread: number;
  readonly seed: number;
}

export interface FloorFigures {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly events: number;
  readonly transfers: number;
  readonly p50Seconds: number;
}

/** Chunks a pick looks at from the node's offset (the model's picks look over one layer's, about 6 here). */
const PICK_WINDOW = 8;
/** Holders a pick looks at (chunk-swarm.ts CANDIDATES). */
const CANDIDATES = 16;
/** Capacities a transfer crosses: the uploader's upload, the downloader's NIC and disk. */
const CROSSES = 3;

export function runP2pFloor(c: FloorCase): FloorFigures {
  const { nodes: n, chunks, slots } = c;
  const rng = Rng.derive(c.seed, 'p2p-floor');
  const perDatacentre = Math.ceil(n / c.datacentres);
  const datacentreOf = (node: number): number => Math.floor(node / perDatacentre);
  const ids = n + c.datacentres;
  // Resources: uploads by id (nodes, then each data centre's origin), then NICs, then disks.
  const capacity = new Float64Array(ids + 2 * n);
  const lognormal = (cv: number) => Math.exp(Math.sqrt(Math.log(1 + cv * cv)) * rng.normal());
  for (let i = 0; i < n; i++) {
    const nic = c.nicBytesPerSecond * lognormal(c.nicSpread);
    capacity[i] = Math.min(c.uploadBytesPerSecond, nic);
    capacity[ids + i] = nic;
    capacity[ids + n + i] = c.diskBytesPerSecond * lognormal(c.diskSpread);
  }
  for (let d = 0; d < c.datacentres; d++) capacity[n + d] = c.originBytesPerSecond;
  const load = new Float64Array(capacity.length);

  // Flows: at most every node's transfers in flight; ids are reused.
  const rows = n * c.inFlight + ids;
  const res = new Int32Array(rows * CROSSES);
  const weight = new Float64Array(rows * CROSSES);
  const rate = new Float64Array(rows);
  const left = new Float64Array(rows);
  const after = new Float64Array(rows);
  const last = new Float64Array(rows);
  const version = new Int32Array(rows);
  const from = new Int32Array(rows);
  const to = new Int32Array(rows);
  const chunkOf = new Int32Array(rows);
  const active = new Uint8Array(rows);
  const freeRows = Int32Array.from({ length: rows }, (_, i) => rows - 1 - i);
  let freeCount = rows;
  /** Per resource, its flows (at most a few): slot lists in one table. */
  const perResource = slots + c.inFlight + 1;
  const onResource = new Int32Array(capacity.length * perResource);
  const onCount = new Int32Array(capacity.length);

  const completions = new MinHeap<number>();
  let now = 0;

  // Swarm: per data centre and chunk, its holders; per node and chunk, asked (1) or held (2).
  const holders = Array.from({ length: c.datacentres * chunks }, (_, k) => [n + Math.floor(k / chunks)]);
  const state = new Uint8Array(n * chunks);
  const uploads = new Int32Array(ids);
  const going = new Int32Array(n);
  const held = new Int32Array(n);
  const doneAt = new Float64Array(n);
  const parked = new Uint8Array(n);
  const waiting: number[][] = Array.from({ length: c.datacentres }, () => []);
  const changed: number[] = [];
  let events = 0;
  let transfers = 0;

  const settle = (f: number) => {
    left[f] = Math.max(0, left[f]! - rate[f]! * (now - last[f]!));
    last[f] = now;
  };
  const setRate = (f: number, r: number) => {
    if (rate[f] === r) return;
    settle(f);
    for (let k = f * CROSSES; k < f * CROSSES + CROSSES; k++) load[res[k]!]! += (r - rate[f]!) * weight[k]!;
    rate[f] = r;
    if (r > 0) completions.push(now + left[f]! / r, f, ++version[f]!);
  };

  // The re-fill's scratch: its flows and resources, and each resource's room and weight left.
  const mark = new Int32Array(rows);
  const resourceMark = new Int32Array(capacity.length);
  const room = new Float64Array(capacity.length);
  const weightLeft = new Float64Array(capacity.length);
  const units: number[] = [];
  const touched: number[] = [];
  let epoch = 0;
  const refill = () => {
    epoch++;
    units.length = 0;
    touched.length = 0;
    for (const r of changed) {
      for (let k = r * perResource; k < r * perResource + onCount[r]!; k++) {
        const f = onResource[k]!;
        if (mark[f] !== epoch) {
          mark[f] = epoch;
          units.push(f);
        }
      }
    }
    changed.length = 0;
    for (const f of units) {
      for (let k = f * CROSSES; k < f * CROSSES + CROSSES; k++) {
        const r = res[k]!;
        if (resourceMark[r] !== epoch) {
          resourceMark[r] = epoch;
          touched.push(r);
          room[r] = capacity[r]! - load[r]!;
          weightLeft[r] = 0;
        }
        room[r]! += rate[f]! * weight[k]!;
        weightLeft[r]! += weight[k]!;
      }
    }
    // Progressive filling: the resource whose share is least freezes its flows, until none is left.
    for (let unfrozen = units.length; unfrozen > 0; ) {
      let tightest = -1;
      let share = Number.POSITIVE_INFINITY;
      for (const r of touched) {
        if (weightLeft[r]! <= 1e-12) continue;
        const s = Math.max(0, room[r]!) / weightLeft[r]!;
        if (s < share) {
          share = s;
          tightest = r;
        }
      }
      if (tightest < 0) break;
      for (let k = tightest * perResource; k < tightest * perResource + onCount[tightest]!; k++) {
        const f = onResource[k]!;
        if (mark[f] !== epoch) continue;
        mark[f] = -1;
        unfrozen--;
        setRate(f, share);
        for (let q = f * CROSSES; q < f * CROSSES + CROSSES; q++) {
          room[res[q]!]! -= share * weight[q]!;
          weightLeft[res[q]!]! -= weight[q]!;
        }
      }
      weightLeft[tightest] = 0;
    }
  };

  const listOn = (r: number, f: number) => {
    onResource[r * perResource + onCount[r]!++] = f;
    changed.push(r);
  };
  const listOff = (r: number, f: number) => {
    const base = r * perResource;
    const count = --onCount[r]!;
    for (let k = base; k <= base + count; k++) if (onResource[k] === f) onResource[k] = onResource[base + count]!;
    changed.push(r);
  };

  const start = (u: number, node: number, j: number) => {
    const f = freeRows[--freeCount]!;
    transfers++;
    active[f] = 1;
    from[f] = u;
    to[f] = node;
    chunkOf[f] = j;
    rate[f] = 0;
    last[f] = now;
    left[f] = Math.min(c.pieceBytes, c.chunkBytes);
    after[f] = c.chunkBytes - left[f]!;
    // The disk takes every byte twice: the runtime's blob and the agent's copy.
    const o = f * CROSSES;
    res[o] = u;
    res[o + 1] = ids + node;
    res[o + 2] = ids + n + node;
    weight[o] = 1;
    weight[o + 1] = 1;
    weight[o + 2] = 2;
    for (let k = o; k < o + CROSSES; k++) listOn(res[k]!, f);
    uploads[u]!++;
    going[node]!++;
    state[node * chunks + j] = 1;
  };

  /** The rarest of up to PICK_WINDOW chunks the node lacks, from a holder with a free slot; false when none. */
  const pick = (node: number): boolean => {
    const dc = datacentreOf(node);
    let best = -1;
    let bestHolder = -1;
    let rarity = Number.POSITIVE_INFINITY;
    for (let x = 0, seen = 0; x < chunks && seen < PICK_WINDOW; x++) {
      const j = (x + node) % chunks;
      if (state[node * chunks + j] !== 0) continue;
      seen++;
      const list = holders[dc * chunks + j]!;
      if (list.length >= rarity) continue;
      const at0 = Math.floor(rng.next() * list.length);
      for (let k = 0, at = at0; k < Math.min(CANDIDATES, list.length); k++, at = at + 1 === list.length ? 0 : at + 1) {
        const u = list[at]!;
        if (uploads[u]! >= slots) continue;
        best = j;
        bestHolder = u;
        rarity = list.length;
        break;
      }
    }
    if (best >= 0) start(bestHolder, node, best);
    return best >= 0;
  };
  const pump = (node: number) => {
    while (going[node]! < c.inFlight && held[node]! + going[node]! < chunks) {
      if (pick(node)) continue;
      if (parked[node] === 0) {
        parked[node] = 1;
        waiting[datacentreOf(node)]!.push(node);
      }
      return;
    }
  };
  const wake = (dc: number, count: number) => {
    const list = waiting[dc]!;
    for (let woke = 0; woke < count && list.length > 0; woke++) {
      const node = list.pop()!;
      parked[node] = 0;
      pump(node);
    }
  };

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let node = 0; node < n; node++) pump(node);
  refill();
  while (completions.size > 0) {
    const t = completions.peekKey();
    const f = completions.pop()!;
    if (active[f] === 0 || completions.poppedTag !== version[f]) continue;
    now = t;
    events++;
    settle(f);
    const u = from[f]!;
    const node = to[f]!;
    const j = chunkOf[f]!;
    const dc = datacentreOf(node);
    if (after[f]! > 0) {
      // The first piece is in: the node relays the chunk from now on.
      left[f] = after[f]!;
      after[f] = 0;
      completions.push(now + left[f]! / rate[f]!, f, ++version[f]!);
      holders[dc * chunks + j]!.push(node);
      wake(dc, slots - uploads[node]!);
    } else {
      active[f] = 0;
      for (let k = f * CROSSES; k < f * CROSSES + CROSSES; k++) {
        load[res[k]!]! -= rate[f]! * weight[k]!;
        listOff(res[k]!, f);
      }
      rate[f] = 0;
      freeRows[freeCount++] = f;
      uploads[u]!--;
      going[node]!--;
      held[node]!++;
      state[node * chunks + j] = 2;
      if (held[node] === chunks) doneAt[node] = now;
      else pump(node);
      wake(dc, 1);
    }
    refill();
  }
  const used = process.cpuUsage(cpu0);
  // A node left short means the kernel stalled: its time would be no floor of anything.
  const short = held.findIndex((h) => h !== chunks);
  if (short >= 0) throw new Error(`the P2P floor stalled: node ${short} holds ${held[short]} of ${chunks} chunks`);
  const sorted = Float64Array.from(doneAt).sort();
  return { wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6, events, transfers, p50Seconds: sorted[n >> 1]! };
}
