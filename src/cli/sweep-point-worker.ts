/**
 * A sweep's point process, kept for many points: the sweep forks `jobs` of these (sweep-point-pool.ts) and
 * sends each the command line of a point, `shipbench simulate FILE --out DIR --set ...`, which it runs through
 * the same `main` a user's command line goes through. One process per point compiled the simulator afresh
 * every time: a 150-node point of the Wikimedia fleet cost 3.2 CPU-seconds cold and 1.1 warm.
 */
export const SWEEP_WORKER_ENV = 'SHIPBENCH_SWEEP_WORKER';

/** Output kept of a point: enough for the failure's last lines. */
const OUTPUT_TAIL_BYTES = 8192;

export interface PointRequest {
  readonly id: number;
  readonly args: readonly string[];
}

export interface PointReply {
  readonly id: number;
  readonly code: number;
  /** The end of what the point printed (stdout and stderr together). */
  readonly output: string;
}

type Write = typeof process.stdout.write;

/** Serves point requests one at a time until the sweep disconnects (then the process ends on its own). */
export function servePoints(main: (argv: string[]) => Promise<number>): void {
  // A point's own child processes are not sweep workers.
  delete process.env[SWEEP_WORKER_ENV];
  let queue = Promise.resolve();
  process.on('message', (request: PointRequest) => {
    queue = queue.then(async () => {
      process.send?.(await runPoint(main, request));
    });
  });
}

async function runPoint(main: (argv: string[]) => Promise<number>, { id, args }: PointRequest): Promise<PointReply> {
  let output = '';
  const capture = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    output = (output + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())).slice(-OUTPUT_TAIL_BYTES);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  }) as Write;
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write] as const;
  stdout.write = capture;
  stderr.write = capture;
  // The simulate command reads its --set flags from process.argv, as it does from a user's command line.
  process.argv = [process.argv[0]!, process.argv[1]!, ...args];
  process.exitCode = undefined;
  try {
    return { id, code: await main([...args]), output };
  } finally {
    [stdout.write, stderr.write] = writes;
    process.exitCode = undefined;
  }
}
