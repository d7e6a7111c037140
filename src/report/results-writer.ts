import { writeFileAtomic } from '../core/atomic-file.ts';
import { redactText } from '../core/secret-redaction.ts';
import { SerialQueue } from '../core/serial-queue.ts';
import { type RunResults, runResultsSchema } from './results.ts';

export interface ResultsWriterOptions {
  /**
   * Whether the samples are checked against the schema with the rest (the default). A simulation's samples are
   * the model's own output, typed at compile time: checking wikimedia-fleet's 7,200 took 150-270 ms, more than
   * simulate spends outside the plan and the model on anything else. Readers still check them.
   */
  readonly checkSamples?: boolean;
}

/**
 * The one owner of results.json: validates against the schema readers use, then replaces the file
 * atomically, so a crash or Ctrl-C mid-write never leaves a torn file, and every completed phase is on disk.
 */
export class ResultsWriter {
  readonly path: string;
  private readonly checkSamples: boolean;

  constructor(path: string, options: ResultsWriterOptions = {}) {
    this.path = path;
    this.checkSamples = options.checkSamples ?? true;
  }

  private readonly writes = new SerialQueue();

  /**
   * Writes go one after another in the order they were asked for: the last call's results are what stays.
   * Async, so results that fail the schema reject the caller's promise rather than throw at the call.
   */
  async write(results: RunResults): Promise<void> {
    const stamped = { ...results, updatedAt: new Date().toISOString() };
    // Unchecked samples go out as made, in their place in the file (the model makes them in the schema's key
    // order: wikimedia-fleet's results.json is the same byte for byte).
    const valid = this.checkSamples ? runResultsSchema.parse(stamped) : { ...runResultsSchema.parse({ ...stamped, samples: [] }), samples: results.samples };
    // Belt and braces: a secret that slipped into a message (a node's error) is masked on the way out.
    const text = redactText(`${JSON.stringify(valid, null, 1)}\n`);
    await this.writes.run(() => writeFileAtomic(this.path, text));
  }
}
