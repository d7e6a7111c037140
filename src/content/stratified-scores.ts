import type { Rng } from '../core/rng.ts';

/**
 * Uniforms for a component's files, stratified (Latin hypercube; normalQuantile makes them scores): the i-th smallest of n lies
 * in the law's i-th n-quantile, jittered inside it, and files take them in a shuffled order. Independent draws
 * let a component of a hundred files come out with half or twice the law's median (a few heavy-tailed draws
 * decide the total every size is scaled to); stratified ones give every component the law's own quantiles.
 */
export function stratifiedUniforms(rng: Rng, n: number): number[] {
  // A loop into an array of its final size: Array.from over an array-like took several times longer (70,000 i18n files).
  const u = new Array<number>(n);
  for (let i = 0; i < n; i++) u[i] = (i + rng.next()) / n;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = u[i] as number;
    u[i] = u[j] as number;
    u[j] = t;
  }
  return u;
}

// Acklam's rational approximation of the normal quantile (relative error below 1.2e-9).
const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239] as const;
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] as const;
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

const tail = (q: number): number =>
  (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);

/** Φ⁻¹(p) for p in (0, 1): the standard-normal score below which a share p of the law lies. */
export function normalQuantile(p: number): number {
  const clamped = Math.min(1 - 1e-12, Math.max(1e-12, p));
  if (clamped < P_LOW) return tail(Math.sqrt(-2 * Math.log(clamped)));
  if (clamped > 1 - P_LOW) return -tail(Math.sqrt(-2 * Math.log(1 - clamped)));
  const q = clamped - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}
