import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { planImageSet } from '../../src/image/image-set-plan.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import { cadenceWeeks } from '../../src/report/cadence-analysis.ts';
import type { RunAnalysis } from '../../src/report/run-analysis.ts';
import { resolveScenarioSource } from '../../src/scenario/load.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';
import { REPO_ROOT } from '../e2e/run-cli.ts';

const WEEK = readFileSync(join(REPO_ROOT, 'scenarios/deploy-week.yaml'), 'utf8');
const HOUR = 3600;

function weekScenario(cadence: string): ResolvedScenario {
  return resolveScenarioSource(WEEK.replace(/^cadence: .*$/m, `cadence: ${cadence}`), 'deploy-week.yaml').scenario;
}

describe('build cadence: merges batched into builds', () => {
  test('per-merge keeps one deploy step per merge, each built when it merges', () => {
    const s = weekScenario('per-merge');
    assert.equal(s.deploy.length, 9);
    assert.equal(s.cadence?.everySeconds, undefined);
    const backport = s.cadence?.merges.find((m) => m.name === 'mon-backport');
    assert.deepEqual(backport, { name: 'mon-backport', kind: 'backport', atSeconds: 7 * HOUR + 10 * 60, step: 'mon-backport', buildAtSeconds: 7 * HOUR + 10 * 60 });
  });

  test('every 12h ships the merges of each half day as one build, at the end of its slot', () => {
    const s = weekScenario('{ every: 12h }');
    assert.deepEqual(
      s.deploy.map((d) => [d.name, d.kind, d.batch?.map((b) => b.index)]),
      [
        ['initial', 'initial', [0]],
        ['mon-backport..mon-config', 'backport', [1, 2]],
        // A train with its l10n rebuild: the batch is a train (incremental's rebuildOn looks at it).
        ['train-1..tue-l10n', 'train', [3, 4]],
        ['wed-backport..wed-config', 'backport', [5, 6]],
        ['thu-backport..thu-config', 'backport', [7, 8]],
      ],
    );
    const built = Object.fromEntries((s.cadence?.merges ?? []).map((m) => [m.name, m.buildAtSeconds / HOUR]));
    assert.deepEqual(built, { initial: 0, 'mon-backport': 12, 'mon-config': 12, 'train-1': 48, 'tue-l10n': 48, 'wed-backport': 60, 'wed-config': 60, 'thu-backport': 96, 'thu-config': 96 });
  });

  test("a batch's tree is the tree after its last merge, exactly as per-merge builds it", () => {
    const perMerge = planImageSet(weekScenario('per-merge'));
    const batched = planImageSet(weekScenario('{ every: 12h }'));
    const files = (t: (typeof perMerge.trees)[number]) => t.tree.files.map((f) => `${f.path} ${f.bytes} ${f.contentKey}`);
    const lastMerge = ['initial', 'mon-config', 'tue-l10n', 'wed-config', 'thu-config'];
    batched.trees.forEach((t, i) => {
      const same = perMerge.trees.find((p) => p.step.name === lastMerge[i]);
      assert.ok(same);
      assert.deepEqual(files(t), files(same), t.step.name);
    });
    // Fewer builds: each strategy has one image per batch.
    assert.ok(batched.strategies.every((s) => s.images.length === 5));
  });

  test('a scenario without cadence or merge times resolves as before', () => {
    const tiny = resolveScenarioSource(readFileSync(join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml'), 'utf8'), 'tiny-run.yaml').scenario;
    assert.equal(tiny.cadence, undefined);
    assert.deepEqual(tiny.deploy.map((d) => d.name), ['initial', 'backport-1']);
    assert.ok(tiny.deploy.every((d) => d.batch === undefined));
  });
});

describe('build cadence: the week from measured steps', () => {
  const step = (name: string, total: number, bytes: number): StepResult =>
    ({ strategy: 'incremental', step: name, warmup: false, nodes: 2, bytesDownloaded: bytes, makespanSeconds: total / 2, deploy: { prep: total / 2, sync: total / 2, total } }) as unknown as StepResult;
  const analysis = (steps: StepResult[]): RunAnalysis => ({ strategies: ['incremental'], steps: steps.map((s) => s.step), cells: [], warnings: [], measuredSteps: steps });

  test('a merge waits for its build slot, then for the deploy; the initial rollout is not a weekly deploy', () => {
    const cadence = {
      everySeconds: 12 * HOUR,
      merges: [
        { name: 'initial', kind: 'initial', atSeconds: 0, step: 'initial', buildAtSeconds: 0 },
        { name: 'm1', kind: 'backport', atSeconds: 7 * HOUR, step: 'b1', buildAtSeconds: 12 * HOUR },
        { name: 'm2', kind: 'config', atSeconds: 10 * HOUR, step: 'b1', buildAtSeconds: 12 * HOUR },
        { name: 'm3', kind: 'backport', atSeconds: 13 * HOUR, step: 'b2', buildAtSeconds: 24 * HOUR },
      ],
    };
    const [week] = cadenceWeeks(cadence, analysis([step('initial', 100, 2000), step('b1', 60, 20), step('b2', 30, 10)]));
    assert.equal(week?.deploys, 2);
    assert.equal(week?.bytesPerNode, 15);
    assert.deepEqual(week?.latencies, [
      { merge: 'm1', seconds: 5 * HOUR + 60 },
      { merge: 'm2', seconds: 2 * HOUR + 60 },
      { merge: 'm3', seconds: 11 * HOUR + 30 },
    ]);
  });

  test('per merge, a deploy that merges while the one before it still rolls out starts when that one is done', () => {
    const cadence = {
      everySeconds: null,
      merges: [
        { name: 'initial', kind: 'initial', atSeconds: 0, step: 'initial', buildAtSeconds: 0 },
        { name: 'm1', kind: 'backport', atSeconds: 50, step: 'm1', buildAtSeconds: 50 },
      ],
    };
    const [week] = cadenceWeeks(cadence, analysis([step('initial', 100, 2000), step('m1', 60, 20)]));
    assert.deepEqual(week?.latencies, [{ merge: 'm1', seconds: 110 }]);
  });
});
