/**
 * Tasks that run one after another in the order they were queued, such as snapshots of one results file
 * written while work finishes side by side: a later snapshot never lands before an earlier one. A failed
 * task fails its own caller only; the next one still runs.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
