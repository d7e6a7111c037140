/** One observation for a linear cost fit: y = sum of rates[i] * x[i]. */
export interface CostRow {
  readonly x: readonly number[];
  readonly y: number;
}

/** Least squares on the given columns only (normal equations by Gauss-Jordan); undefined when singular. */
function leastSquares(rows: readonly CostRow[], columns: readonly number[]): number[] | undefined {
  const n = columns.length;
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const { x, y } of rows) {
    for (let i = 0; i < n; i++) {
      const xi = x[columns[i]!]!;
      for (let j = 0; j < n; j++) a[i]![j]! += xi * x[columns[j]!]!;
      a[i]![n]! += xi * y;
    }
  }
  for (let i = 0; i < n; i++) {
    let pivot = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[pivot]![i]!)) pivot = r;
    [a[i], a[pivot]] = [a[pivot]!, a[i]!];
    const p = a[i]![i]!;
    if (!(Math.abs(p) > 1e-300)) return undefined;
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = a[r]![i]! / p;
      for (let c = i; c <= n; c++) a[r]![c]! -= f * a[i]![c]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/**
 * Non-negative least squares for a few unknowns (costs cannot be negative): the best non-negative solution
 * over every subset of the columns, exact for the three or four costs calibration fits. Columns left out
 * get 0.
 */
export function fitNonNegativeRates(rows: readonly CostRow[], unknowns: number): number[] {
  let best = new Array<number>(unknowns).fill(0);
  let bestError = rows.reduce((e, r) => e + r.y * r.y, 0);
  for (let mask = 1; mask < 1 << unknowns; mask++) {
    const columns = Array.from({ length: unknowns }, (_, i) => i).filter((i) => (mask & (1 << i)) !== 0);
    const solved = leastSquares(rows, columns);
    if (solved === undefined || solved.some((v) => !(v >= 0))) continue;
    const rates = new Array<number>(unknowns).fill(0);
    columns.forEach((c, k) => (rates[c] = solved[k]!));
    const error = rows.reduce((e, r) => e + (r.y - r.x.reduce((s, xi, i) => s + xi * rates[i]!, 0)) ** 2, 0);
    if (error < bestError) {
      best = rates;
      bestError = error;
    }
  }
  return best;
}

/** y = a*x1 + b*x2 with a, b >= 0: unpack time = seconds per blob byte * bytes + per file * files. */
export function fitTwoRates(rows: ReadonlyArray<{ x1: number; x2: number; y: number }>): { a: number; b: number } {
  const [a, b] = fitNonNegativeRates(rows.map((r) => ({ x: [r.x1, r.x2], y: r.y })), 2);
  return { a: a!, b: b! };
}
