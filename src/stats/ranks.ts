export interface Ranking {
  /** Ranks of the concatenated input, 1-based, ties given their mid-rank. */
  readonly ranks: number[];
  /** Sizes of each group of tied values (only groups of two or more). */
  readonly ties: number[];
}

/** Mid-ranks of `values`, as used by rank tests. */
export function midRanks(values: readonly number[]): Ranking {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length).fill(0);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[(order[k] as readonly [number, number])[1]] = rank;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}
