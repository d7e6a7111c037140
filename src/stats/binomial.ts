/** P(B <= k) for B ~ Binomial(n, 1/2); coefficients built up in log space so n in the thousands stays finite. */
export function binomialTailAtMost(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const tails = new BinomialTails(n);
  while (tails.k < k) tails.step();
  return tails.value;
}

/**
 * P(B <= k) for B ~ Binomial(n, 1/2) for k = 0, 1, 2, ... in turn, each from the one before: asking every k
 * up to n/2 afresh is quadratic in n (a 10,000-node step's median interval took seconds). The sums add the
 * same terms in the same order as a fresh sum would, so each value is the same to the last bit.
 */
export class BinomialTails {
  k = 0;
  private readonly logHalfN: number;
  private logChoose = 0;
  private total: number;

  constructor(private readonly n: number) {
    this.logHalfN = n * Math.log(0.5);
    this.total = Math.exp(this.logHalfN);
  }

  /** P(B <= k) for the current k (for k < n). */
  get value(): number {
    return Math.min(1, this.total);
  }

  step(): void {
    this.k++;
    this.logChoose += Math.log(this.n - this.k + 1) - Math.log(this.k);
    this.total += Math.exp(this.logChoose + this.logHalfN);
  }
}
