import { join } from 'node:path';
import type { NeighbourSession } from '../neighbours/neighbour-session.ts';
import type { RunResults } from '../report/results.ts';
import type { Mechanism, MechanismEntry, RunContext } from './mechanism.ts';
import { runRollouts } from './rollout-skeleton.ts';
import { startRunNeighbours } from './run-neighbours.ts';

/**
 * One run of the given mechanisms, in order: each is prepared, the neighbours start once (before the first
 * rollout, wrapping every step of every mechanism), its fleet starts, the rollout skeleton walks its lanes,
 * and it is torn down before the next one starts. Teardown always runs (failure, Ctrl-C, SIGTERM alike),
 * then the recorder writes the final status; an error is rethrown after that.
 */
export async function runMechanisms(entries: readonly MechanismEntry[], run: RunContext): Promise<RunResults> {
  const { recorder, signal } = run;
  const mechanisms = entries.map((entry) => entry.create(run));
  const tornDown = new Set<Mechanism>();
  const teardown = async (m: Mechanism) => {
    if (tornDown.has(m)) return;
    tornDown.add(m);
    await m.teardown();
  };
  const stopped: string[] = [];
  let neighbours: NeighbourSession | undefined;
  let error: unknown;
  try {
    for (const mechanism of mechanisms) {
      if (signal.aborted) break;
      await mechanism.prepare();
      neighbours ??= await startNeighbours(run);
      if (signal.aborted) break;
      const lanes = await mechanism.startFleet();
      recorder.enter(mechanism.rolloutPhase);
      const { stoppedBecause } = await runRollouts(lanes, {
        ...run,
        aroundStep: neighbours?.aroundStep,
        onSample: (sample) => recorder.sample(sample),
        onStep: (result) => recorder.step(result),
      });
      if (stoppedBecause !== undefined) stopped.push(stoppedBecause);
      run.onEvent({ type: 'phase', name: 'teardown', detail: `${mechanism.name} side` });
      await teardown(mechanism);
    }
  } catch (thrown) {
    error = thrown;
  } finally {
    for (const step of [() => neighbours?.stop(), ...mechanisms.map((m) => () => teardown(m))]) {
      try {
        await step();
      } catch (thrown) {
        error ??= thrown;
      }
    }
  }
  await recorder.finish({ aborted: signal.aborted, stopped, error });
  if (error !== undefined) throw error;
  return recorder.results;
}

/** The scenario's neighbours, if any: a timed phase, their results section kept current by the recorder. */
async function startNeighbours(run: RunContext): Promise<NeighbourSession | undefined> {
  const settings = run.scenario.neighbours;
  if (settings === undefined) return undefined;
  const { recorder } = run;
  return recorder.phase('neighbours', async () => {
    // Beside the nodes' disks, so the neighbours' I/O shares their device.
    const session = await startRunNeighbours({
      neighbours: settings,
      workDir: join(run.outDir, '.neighbours'),
      results: recorder.results,
      runStartMs: run.runStartMs,
      persist: () => recorder.persist(),
      onEvent: run.onEvent,
      signal: run.signal,
      diskDevice: run.diskDevice,
    });
    return { details: { workloads: settings.workloads.map((w) => w.name).join(', ') }, value: session };
  });
}
