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
