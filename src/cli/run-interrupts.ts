import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { newRunResults } from '../harness/new-run-results.ts';
import { describeEnvironment } from '../harness/run-environment.ts';
import { ResultsWriter } from '../report/results-writer.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/**
 * SIGINT (Ctrl-C) and SIGTERM during `run`: the first one aborts the run, which then stops its nodes,
 * records what finished, tears down and exits 130. SIGTERM too: real engines leave namespaces, mounts and
 * daemons unless teardown gets to run.
 */
export function watchRunInterrupts(stream: NodeJS.WritableStream = process.stderr): { readonly signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  // Every in-flight request of every node listens to it: hundreds at once on a large fleet.
  setMaxListeners(0, abort.signal);
  const onSignal = () => {
    if (!abort.signal.aborted) stream.write('\ninterrupted: stopping nodes, the registry and the rsync daemons, keeping what was measured\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** results.json of a run interrupted before its first phase (while generating): no samples, and where it stopped. */
export async function recordInterruptedBeforeRun(outDir: string, scenario: ResolvedScenario, phase: string): Promise<string> {
  const { environment } = await describeEnvironment(outDir, {});
  const results = newRunResults('measured', scenario, environment);
  results.status = 'interrupted';
  results.failure = { phase, message: `interrupted during ${phase}, before any node deployed` };
  const writer = new ResultsWriter(join(outDir, 'results.json'));
  await writer.write(results);
  return writer.path;
}
