import { Rng } from '../core/rng.ts';

/**
 * A busy host's slowdown: the whole node (NIC in and out, disk, CPU) runs at 1/d of its rate, with
 * d = max(1, exp(sigma Z)). Interference only slows (noisy neighbours, production traffic on the same NIC,
 * a disk shared with other services, fail-slow parts: Dean and Barroso, "The Tail at Scale", CACM 2013;
 * Gunawi et al., "Fail-Slow at Scale", FAST '18), so half the nodes run at full speed and a node's time
 * grows with its draw: a node-rate-bound fleet's p99/p50 is exp(2.326 sigma) and p99.9/p50 exp(3.09 sigma).
 * Multiplicative, so the ratio does not depend on the image size, the node count or the topology, which is
 * what published pull and P2P benchmarks show (issue #15's survey, 50 to 2,600 nodes, 10 MB to 3 GB:
 * p99 about 1.8 times p50), unlike a per-request timeout, whose share of a node's time shrinks as images grow.
 */
export const NODE_INTERFERENCE_SOURCE = 'sigma = ln(1.8) / 2.326 = 0.253: the p99/p50 of node times that published registry and P2P benchmarks show';

/** Quantile of the standard normal at 99%: the slowdown of the slowest 1% is exp(this * sigma). */
export const NORMAL_Z99 = 2.3263;

/** n slowdowns d >= 1 (1: the host runs at full speed), from their own stream so no other draw shifts. */
export function drawInterference(seed: number | string, n: number, sigma: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  if (sigma === 0) return out;
  const rng = Rng.derive(seed, 'model-node-spread', 'interference');
  for (let i = 0; i < n; i++) out[i] = Math.max(1, Math.exp(sigma * rng.normal()));
  return out;
}
