import type { ResolvedDatacentre } from '../scenario/model-resolved.ts';

/**
 * Which data centre each node sits in. Nodes are interleaved (dc1, dc2, dc1, ...) in proportion to the
 * data centres' sizes, so canaries and any "first K" span every data centre, as a real rollout's would.
 */
export interface FleetLayout {
  readonly names: readonly string[];
  readonly datacentreOf: Int32Array;
  readonly datacentres: readonly ResolvedDatacentre[];
}

export function fleetLayout(datacentres: readonly ResolvedDatacentre[]): FleetLayout {
  const total = datacentres.reduce((n, d) => n + d.nodes, 0);
  const datacentreOf = new Int32Array(total);
  const placed = datacentres.map(() => 0);
  for (let i = 0; i < total; i++) {
    let best = 0;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    datacentres.forEach((d, k) => {
      const deficit = (d.nodes * (i + 1)) / total - placed[k]!;
      if (placed[k]! < d.nodes && deficit > bestDeficit) {
        best = k;
        bestDeficit = deficit;
      }
    });
    datacentreOf[i] = best;
    placed[best]!++;
  }
  const width = String(total).length;
  return { names: Array.from({ length: total }, (_, i) => `node-${String(i + 1).padStart(width, '0')}`), datacentreOf, datacentres };
}

/**
 * `share` of the nodes, spread evenly through each data centre (nodes that pulled the image before the deploy,
 * or the ones its pre-pull takes). Counted per data centre: the fleet interleaves its data centres, so every
 * other node of the fleet would be one data centre's.
 */
export function prePulledNodes(layout: FleetLayout, share: number): Uint8Array {
  const nodes = layout.names.length;
  const out = new Uint8Array(nodes);
  const seen = new Array<number>(layout.datacentres.length).fill(0);
  for (let i = 0; i < nodes; i++) {
    const dc = layout.datacentreOf[i]!;
    const k = seen[dc]!++;
    if (Math.floor((k + 1) * share + 1e-9) > Math.floor(k * share + 1e-9)) out[i] = 1;
  }
  return out;
}
