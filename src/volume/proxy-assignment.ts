/** How nodes pick their proxy (scenario `volume.assign`). */
export type ProxyAssignment = 'round-robin' | 'least-loaded';

export interface ProxyLoad {
  readonly index: number;
  readonly alive: boolean;
  /** Node syncs it is serving right now. */
  readonly active: number;
}

/**
 * The proxy for node number `nodeIndex`: round robin gives node i proxy i mod n (the same one every step,
 * as a static scap proxy list does), moving on to the next live one when that proxy is down; least loaded
 * takes the live proxy with the fewest running syncs, the lowest index on ties. `exclude` holds proxies this
 * sync already gave up on. Undefined when no proxy is left.
 */
export function chooseProxy(assign: ProxyAssignment, nodeIndex: number, proxies: readonly ProxyLoad[], exclude: ReadonlySet<number> = new Set()): number | undefined {
  const usable = proxies.filter((p) => p.alive && !exclude.has(p.index));
  if (usable.length === 0) return undefined;
  if (assign === 'least-loaded') {
    return usable.reduce((best, p) => (p.active < best.active ? p : best)).index;
  }
  const n = proxies.length;
  for (let k = 0; k < n; k++) {
    const candidate = (nodeIndex + k) % n;
    if (usable.some((p) => p.index === candidate)) return candidate;
  }
  return undefined;
}
