/**
 * Items started in the order they come, at most `limit` at once, the next as one ends: scap's ssh batches (its
 * pre-pull, its php-fpm restarts) and the fleet-wide limit on nodes pulling at once.
 */
export class AdmissionQueue {
  /** Whether an item ever waited for a slot. */
  heldBack = false;
  private readonly queue: number[] = [];
  private head = 0;
  private running = 0;

  constructor(
    private readonly limit: number,
    private readonly start: (item: number) => void,
  ) {}

  add(...items: number[]): void {
    for (const item of items) this.queue.push(item);
    this.admit();
  }

  /** An item started before has ended: its slot goes to the next. */
  ended(): void {
    this.running--;
    this.admit();
  }

  private admit(): void {
    // Start them after the count is settled: a start may end at once and come back here.
    const starting: number[] = [];
    while (this.running < this.limit && this.head < this.queue.length) {
      this.running++;
      starting.push(this.queue[this.head++]!);
    }
    if (this.head < this.queue.length) this.heldBack = true;
    for (const item of starting) this.start(item);
  }
}

/**
 * `work` on each of `items`, at most `limit` at once, the next starting as one calls its `finished`; `done` after
 * the last (at once when there are none): an ssh job over a stage's hosts (scap's restarts, its l10n rebuild).
 */
export function batchJob(items: readonly number[], limit: number, work: (item: number, finished: () => void) => void, done: () => void): void {
  let left = items.length;
  if (left === 0) return done();
  const queue = new AdmissionQueue(limit, (item) =>
    work(item, () => {
      if (--left === 0) done();
      else queue.ended();
    }),
  );
  queue.add(...items);
}
