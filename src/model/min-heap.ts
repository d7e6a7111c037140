/** A binary min-heap of (key, value) pairs in parallel arrays: the event queues of the fluid model. */
export class MinHeap<T> {
  private keys: number[] = [];
  private values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: T): void {
    const keys = this.keys;
    const values = this.values;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  peekKey(): number {
    return this.keys.length === 0 ? Number.POSITIVE_INFINITY : this.keys[0]!;
  }

  peekValue(): T | undefined {
    return this.values[0];
  }

  pop(): T | undefined {
    const keys = this.keys;
    const values = this.values;
    if (keys.length === 0) return undefined;
    const top = values[0];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && keys[r]! < keys[l]! ? r : l;
        if (keys[c]! >= lastKey) break;
        keys[i] = keys[c]!;
        values[i] = values[c]!;
        i = c;
      }
      keys[i] = lastKey;
      values[i] = lastValue;
    }
    return top;
  }

  /** Keeps only the entries whose value passes `keep` (stale entries of lazy deletion), then re-heaps. */
  retain(keep: (value: T) => boolean): void {
    const keys: number[] = [];
    const values: T[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (!keep(this.values[i]!)) continue;
      keys.push(this.keys[i]!);
      values.push(this.values[i]!);
    }
    this.keys = [];
    this.values = [];
    // Ascending keys form a valid heap; sorting is simpler than sifting and as fast for these sizes.
    const order = keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]!);
    for (const i of order) {
      this.keys.push(keys[i]!);
      this.values.push(values[i]!);
    }
  }

  clear(): void {
    this.keys = [];
    this.values = [];
  }
}
