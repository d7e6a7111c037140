/** P(B <= k) for B ~ Binomial(n, 1/2); coefficients built up in log space so n in the thousands stays finite. */
export function binomialTailAtMost(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logHalfN = n * Math.log(0.5);
  let logChoose = 0;
  let total = Math.exp(logHalfN);
  for (let i = 1; i <= k; i++) {
    logChoose += Math.log(n - i + 1) - Math.log(i);
    total += Math.exp(logChoose + logHalfN);
  }
  return Math.min(1, total);
}
