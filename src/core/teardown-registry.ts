/**
 * Every host resource a run creates (namespaces, links, loop devices, mounts, cgroups, daemons) is recorded
 * here the moment it exists, with how to undo it; `teardown()` undoes them in reverse order of creation and
 * keeps going past failures, so one stuck mount does not leave the rest behind. A leftover is a bug.
 */
export interface TeardownFailure {
  readonly what: string;
  readonly message: string;
}

interface Entry {
  readonly what: string;
  readonly undo: () => Promise<void>;
}

export class TeardownRegistry {
  private readonly entries: Entry[] = [];
  private running: Promise<TeardownFailure[]> | undefined;

  /** Records a resource that now exists; `undo` must be safe to call once. */
  add(what: string, undo: () => Promise<void>): void {
    if (this.running !== undefined) throw new Error(`cannot record ${what}: teardown has already started`);
    this.entries.push({ what, undo });
  }

  /** What is recorded and not yet undone, oldest first (for diagnostics and tests). */
  get pending(): readonly string[] {
    return this.entries.map((e) => e.what);
  }

  /** Undoes everything, newest first; the same promise for every caller, so Ctrl-C and `finally` do not race. */
  teardown(): Promise<TeardownFailure[]> {
    this.running ??= (async () => {
      const failures: TeardownFailure[] = [];
      while (this.entries.length > 0) {
        const entry = this.entries.pop() as Entry;
        try {
          await entry.undo();
        } catch (error) {
          failures.push({ what: entry.what, message: error instanceof Error ? error.message : String(error) });
        }
      }
      return failures;
    })();
    return this.running;
  }
}
