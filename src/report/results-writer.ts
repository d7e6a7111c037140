import { writeFileAtomic } from '../core/atomic-file.ts';
import { redactText } from '../core/secret-redaction.ts';
import { SerialQueue } from '../core/serial-queue.ts';
import { type RunResults, runResultsSchema } from './results.ts';

/**
 * The one owner of results.json: validates against the schema readers use, then replaces the file
 * atomically, so a crash or Ctrl-C mid-write never leaves a torn file, and every completed phase is on disk.
 */
export class ResultsWriter {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  private readonly writes = new SerialQueue();

  /**
   * Writes go one after another in the order they were asked for: the last call's results are what stays.
   * Async, so results that fail the schema reject the caller's promise rather than throw at the call.
   */
  async write(results: RunResults): Promise<void> {
    const valid = runResultsSchema.parse({ ...results, updatedAt: new Date().toISOString() });
    // Belt and braces: a secret that slipped into a message (a node's error) is masked on the way out.
    const text = redactText(`${JSON.stringify(valid, null, 1)}\n`);
    await this.writes.run(() => writeFileAtomic(this.path, text));
  }
}
