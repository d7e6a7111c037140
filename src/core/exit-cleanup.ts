const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Things a process started and must not leave behind (a registry, rsync daemons): while any is tracked,
 * process exit, SIGINT and SIGTERM run `release` on each, synchronously, since nothing asynchronous gets to
 * finish in an 'exit' handler. The handlers are installed with the first entry and removed with the last.
 */
export class ExitCleanup<T> {
  private readonly live = new Set<T>();

  constructor(private readonly release: (entry: T) => void) {}

  track(entry: T): void {
    if (this.live.size === 0) {
      process.on('exit', this.releaseAll);
      for (const signal of SIGNALS) process.on(signal, this.onSignal);
    }
    this.live.add(entry);
  }

  untrack(entry: T): void {
    this.live.delete(entry);
    if (this.live.size === 0) this.uninstall();
  }

  private readonly releaseAll = (): void => {
    for (const entry of this.live) this.release(entry);
    this.live.clear();
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.releaseAll();
    this.uninstall();
    // With no other listener left, Node would die of the signal: do so, with the usual 128+n exit status.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private uninstall(): void {
    process.off('exit', this.releaseAll);
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }
}
