import { empiricalDraws } from '../core/empirical-distribution.ts';
import { Rng } from '../core/rng.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { drawInterference } from './node-interference.ts';

/**
 * Per-node draws that make nodes differ (model.node.spread): multipliers of mean 1 for the NIC, the disk
 * (write and read together: one device), decompression and request latency, each log-normal with the
 * configured coefficient of variation, and a start delay, log-normal with the configured mean and a
 * coefficient of variation of 1 (a long right tail: a few nodes react late). A quantity given as measured
 * values (`{ empirical: [...] }`) is drawn from their distribution instead (core/empirical-distribution.ts).
 * Each quantity has its own stream derived from the seed, so the draws of one never shift another's, and the
 * same seed gives the same fleet. A busy host's slowdown (node-interference.ts) divides its NIC, disk and
 * decompression rates.
 */
export interface NodeSpread {
  readonly nic: Float64Array;
  readonly disk: Float64Array;
  readonly decompress: Float64Array;
  readonly latency: Float64Array;
  readonly startDelaySeconds: Float64Array;
  /** Each host's slowdown (>= 1), already folded into nic, disk and decompress. */
  readonly slowdown: Float64Array;
}

/** Coefficient of variation of the start delay around its mean. */
export const START_DELAY_VARIATION = 1;

/** n log-normal draws of mean `mean` and coefficient of variation `cv` (cv 0: every draw is the mean). */
export function logNormalDraws(rng: Rng, n: number, mean: number, cv: number): Float64Array {
  const out = new Float64Array(n);
  if (cv === 0 || mean === 0) return out.fill(mean);
  // For X = exp(mu + sigma Z): E[X] = exp(mu + sigma^2/2), CV^2 = exp(sigma^2) - 1.
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const mu = Math.log(mean) - (sigma * sigma) / 2;
  for (let i = 0; i < n; i++) out[i] = Math.exp(mu + sigma * rng.normal());
  return out;
}

export function drawNodeSpread(model: ResolvedModel, nodes: number, seed: number | string): NodeSpread {
  const s = model.node.spread;
  const measured = s.empirical ?? {};
  // A measured shape replaces the log-normal on the same stream: multipliers scaled to mean 1, delays as measured.
  const draw = (what: 'nic' | 'disk' | 'decompress' | 'latency' | 'start-delay', mean: number, cv: number) => {
    const rng = Rng.derive(seed, 'model-node-spread', what);
    const values = what === 'start-delay' ? measured.startDelay : measured[what];
    if (values === undefined) return logNormalDraws(rng, nodes, mean, cv);
    return empiricalDraws(rng, nodes, values, what === 'start-delay' ? 'as-measured' : 'mean-one');
  };
  const slowdown = drawInterference(seed, nodes, s.interference);
  const slowed = (rates: Float64Array) => rates.map((r, i) => r / slowdown[i]!);
  return {
    nic: slowed(draw('nic', 1, s.nic)),
    disk: slowed(draw('disk', 1, s.disk)),
    decompress: slowed(draw('decompress', 1, s.decompress)),
    latency: draw('latency', 1, s.latency),
    startDelaySeconds: draw('start-delay', s.startDelaySeconds, START_DELAY_VARIATION),
    slowdown,
  };
}
