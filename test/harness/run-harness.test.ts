import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Lane, Mechanism, MechanismEntry, RunContext, StepDeployment } from '../../src/harness/mechanism.ts';
import { newRunResults } from '../../src/harness/new-run-results.ts';
import type { RunEvent } from '../../src/harness/run-events.ts';
import { runMechanisms } from '../../src/harness/run-harness.ts';
import { RunRecorder } from '../../src/harness/run-recorder.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { harnessCpuSaturated, type NodeStepSample } from '../../src/metrics/samples.ts';
import { timeSeries } from '../../src/metrics/time-series.ts';
import { type RunResults, runResultsSchema } from '../../src/report/results.ts';
import { fleetNodeNames } from '../../src/scenario/fleet-node-names.ts';
import { smallScenario } from '../support/scenarios.ts';

/**
 * The harness's status and teardown paths, with a fake mechanism in place of a registry or rsync: what a
 * run records, when it writes results.json, and that teardown runs whatever happens.
 */

interface FakeOptions {
  /** Nodes whose deploys fail, by name. */
  readonly failing?: ReadonlySet<string>;
  readonly throwIn?: 'prepare' | 'startFleet' | 'teardown';
  /** Aborts the run when this node of this step is done (the node's own sample is kept). */
  readonly abortAt?: { readonly step: string; readonly node: string; readonly controller: AbortController };
}

interface FakeLog {
  teardowns: number;
  /** results.json as read from disk at the start of each fake phase. */
  onDiskAtPhase: Array<RunResults | undefined>;
  deployed: string[];
}

function fakeEntry(options: FakeOptions, log: FakeLog): MechanismEntry {
  const readResults = async (run: RunContext) => {
    const text = await readFile(join(run.outDir, 'results.json'), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : runResultsSchema.parse(JSON.parse(text));
  };
  const sample = (node: string, step: string, repeat: number): NodeStepSample => ({
    node, step, strategy: 'fake', repeat, startSeconds: 0, manifestSeconds: 0, totalSeconds: 1, layers: [], bytesDownloaded: 10, bytesWrittenToDisk: 10, filesWritten: 1,
    ...(options.failing?.has(node) === true ? { error: 'fake failure' } : {}),
  });
  const deployment = (run: RunContext, step: string, repeat: number): StepDeployment => ({
    begin: async () => undefined,
    deployNode: async ({ name }) => {
      log.deployed.push(`${step}/${name}`);
      const s = sample(name, step, repeat);
      if (options.abortAt?.step === step && options.abortAt.node === name) options.abortAt.controller.abort();
      return s;
    },
    end: () => ({ makespanSeconds: 1, registryBytesServed: 0, retries: 0, throughput: timeSeries('fake', 'bytes/s') }),
  });
  return {
    preflight: async () => ({ fake: '1.0' }),
    plannedBytes: () => 0,
    create: (run): Mechanism => ({
      name: 'fake',
      rolloutPhase: 'rollout',
      prepare: async () => {
        for (const name of ['one', 'two']) {
          await run.recorder.phase(name, async () => {
            log.onDiskAtPhase.push(await readResults(run));
            if (options.throwIn === 'prepare' && name === 'two') throw new Error('fake prepare failed');
            return { details: {}, value: undefined };
          });
        }
        run.recorder.warnOnce(harnessCpuSaturated(0.9, 0.9));
      },
      startFleet: async () => {
        if (options.throwIn === 'startFleet') throw new Error('fake fleet failed');
        const lane: Lane = { label: 'fake', steps: ['initial', 'backport'], reset: async () => undefined, deployStep: (_, step) => deployment(run, step.step, step.repeat) };
        return [lane];
      },
      teardown: async () => {
        log.teardowns++;
        if (options.throwIn === 'teardown') throw new Error('fake teardown failed');
      },
    }),
  };
}

async function fakeRun(outDir: string, options: FakeOptions = {}, controller = new AbortController()) {
  await mkdir(outDir, { recursive: true });
  const scenario = smallScenario({ fleet: { nodes: 3, rollout: { maxConcurrent: 1 } }, measure: { repeat: 2, warmup: 0 } });
  const log: FakeLog = { teardowns: 0, onDiskAtPhase: [], deployed: [] };
  const events: RunEvent[] = [];
  const runStartMs = performance.now();
  const recorder = new RunRecorder(join(outDir, 'results.json'), newRunResults('measured', scenario, environment(outDir)), { runStartMs, firstPhase: 'one', onEvent: (e) => events.push(e) });
  const run: RunContext = {
    scenario,
    images: {} as GeneratedImageSet,
    outDir,
    nodeNames: fleetNodeNames(3),
    recorder,
    diskDevice: undefined,
    runStartMs,
    signal: controller.signal,
    onEvent: (e) => events.push(e),
  };
  const outcome = await runMechanisms([fakeEntry(options, log)], run).then(
    (results) => ({ results, error: undefined }),
    (error: unknown) => ({ results: undefined, error }),
  );
  const onDisk = runResultsSchema.parse(JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')));
  return { ...outcome, onDisk, log, events };
}

function environment(workDir: string): RunResults['environment'] {
  return { hostname: 'test', kernel: 'Linux', cpuModel: 'cpu', cpus: 1, memoryBytes: 1, node: process.version, workDir, disk: {}, tools: {} };
}

describe('harness: one run of fake mechanisms', () => {
  let work: string;
  let runs = 0;
  const out = () => join(work, `run-${++runs}`);
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-harness-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('completed: every node of every step and repeat recorded, teardown once, results.json written after each phase', async () => {
    const { results, error, onDisk, log, events } = await fakeRun(out());
    assert.equal(error, undefined);
    assert.equal(results?.status, 'completed');
    assert.equal(onDisk.status, 'completed');
    // 2 repeats x 2 steps x 3 nodes, each sample once.
    assert.equal(onDisk.samples.length, 12);
    assert.equal(onDisk.steps.length, 4);
    assert.equal(log.teardowns, 1);
    // Phase two starts with phase one already on disk.
    assert.equal(log.onDiskAtPhase[0], undefined, 'nothing is written before the first phase completes');
    assert.deepEqual(log.onDiskAtPhase[1]?.phases.map((p) => p.name), ['one']);
    assert.equal(log.onDiskAtPhase[1]?.status, 'running');
    assert.deepEqual(onDisk.phases.map((p) => p.name), ['one', 'two']);
    assert.ok(events.some((e) => e.type === 'phase' && e.name === 'teardown' && e.detail === 'fake side'));
  });

  it('failed nodes: status failed with the count, every sample kept, warnings kept, teardown ran', async () => {
    const { results, onDisk, log } = await fakeRun(out(), { failing: new Set(['node-2']) });
    assert.equal(results?.status, 'failed');
    assert.equal(onDisk.status, 'failed');
    assert.deepEqual(onDisk.failure, { phase: 'rollout', message: '4 node deploys failed' });
    assert.equal(onDisk.samples.length, 12);
    assert.ok(onDisk.warnings.some((w) => w.kind === 'harness-cpu-saturated'), 'a warning recorded during the run survives the final status');
    assert.equal(log.teardowns, 1);
  });

  it('every node of a step failed: the rollout stops there and says why', async () => {
    const { onDisk, log } = await fakeRun(out(), { failing: new Set(fleetNodeNames(3)) });
    assert.equal(onDisk.status, 'failed');
    assert.match(onDisk.failure?.message ?? '', /^stopped: every node failed fake initial: fake failure/);
    assert.equal(onDisk.steps.length, 1);
    assert.equal(log.teardowns, 1);
  });

  it('a phase that throws: failed there, the error rethrown, earlier phases kept, teardown ran', async () => {
    const { error, onDisk, log } = await fakeRun(out(), { throwIn: 'prepare' });
    assert.match(String(error), /fake prepare failed/);
    assert.equal(onDisk.status, 'failed');
    assert.deepEqual(onDisk.failure, { phase: 'two', message: 'fake prepare failed' });
    assert.deepEqual(onDisk.phases.map((p) => p.name), ['one']);
    assert.equal(log.teardowns, 1);
  });

  it('a fleet that cannot start, or a teardown that throws: failed, and teardown still ran once', async () => {
    const fleet = await fakeRun(out(), { throwIn: 'startFleet' });
    assert.equal(fleet.onDisk.status, 'failed');
    assert.equal(fleet.log.teardowns, 1);
    const teardown = await fakeRun(out(), { throwIn: 'teardown' });
    assert.match(String(teardown.error), /fake teardown failed/);
    assert.equal(teardown.onDisk.status, 'failed');
    assert.equal(teardown.onDisk.samples.length, 12, 'what was measured is kept');
    assert.equal(teardown.log.teardowns, 1);
  });

  it('interrupted mid-step: status interrupted, the finished nodes kept, no node started after, teardown ran', async () => {
    const controller = new AbortController();
    const { results, error, onDisk, log } = await fakeRun(out(), { abortAt: { step: 'backport', node: 'node-2', controller } }, controller);
    assert.equal(error, undefined);
    assert.equal(results?.status, 'interrupted');
    assert.equal(onDisk.status, 'interrupted');
    assert.equal(onDisk.failure, undefined);
    // initial on 3 nodes, then backport on node-1 and node-2 (one at a time); node-3 never started.
    assert.deepEqual(log.deployed, ['initial/node-1', 'initial/node-2', 'initial/node-3', 'backport/node-1', 'backport/node-2']);
    assert.equal(onDisk.samples.length, 5);
    assert.deepEqual(onDisk.steps.map((s) => [s.step, s.nodes]), [['initial', 3], ['backport', 2]]);
    assert.equal(log.teardowns, 1);
  });

  it('interrupted before the fleet starts: nothing rolled out, teardown ran', async () => {
    const controller = new AbortController();
    controller.abort();
    const { onDisk, log } = await fakeRun(out(), {}, controller);
    assert.equal(onDisk.status, 'interrupted');
    assert.equal(onDisk.samples.length, 0);
    assert.equal(log.teardowns, 1);
  });
});
