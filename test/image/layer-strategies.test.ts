import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planImageSet, type PlannedStrategy } from '../../src/image/image-set-plan.ts';
import { smallScenario } from '../support/scenarios.ts';

/** Layers a node holding the previous step's image must fetch for each step. */
function newLayersPerStep(strategy: PlannedStrategy) {
  let held = new Set<string>();
  return strategy.images.map((image) => {
    const fresh = image.layers.filter((l) => !held.has(l.key));
    held = new Set(image.layers.map((l) => l.key));
    return { step: image.step.name, layers: fresh, bytes: fresh.reduce((n, l) => n + l.fileBytes, 0) };
  });
}

describe('layer strategies', () => {
  const scenario = smallScenario();
  const plan = planImageSet(scenario);
  const get = (name: string) => {
    const s = plan.strategies.find((p) => p.strategy.name === name);
    assert.ok(s, name);
    return newLayersPerStep(s);
  };
  const treeBytes = plan.trees[0]?.tree.files.reduce((n, f) => n + f.bytes, 0) ?? 0;

  it('every image holds exactly its step tree', () => {
    for (const strategy of plan.strategies.filter((s) => s.strategy.kind !== 'incremental')) {
      strategy.images.forEach((image, i) => {
        const paths = image.layers.flatMap((l) => l.spec.files.map((f) => f.path)).sort();
        assert.deepEqual(paths, plan.trees[i]?.tree.files.map((f) => f.path), `${strategy.strategy.name} ${image.step.name}`);
      });
    }
  });

  it('puts the same base layer under every strategy', () => {
    const baseKeys = new Set(plan.strategies.map((s) => s.images[0]?.layers[0]?.key));
    assert.equal(baseKeys.size, 1);
  });

  it('monolithic re-ships the whole code tree on every deploy', () => {
    for (const step of get('monolithic').slice(1)) assert.ok(step.bytes > treeBytes * 0.8, step.step);
  });

  it('per-version ships only the config layer for a config change', () => {
    const config = get('per-version').find((s) => s.step === 'config-1');
    assert.deepEqual(config?.layers.map((l) => l.spec.role), ['config']);
  });

  it('chunked moves few chunks for a backport', () => {
    const chunked = get('chunked-4MiB');
    const initial = chunked[0]?.layers.length ?? 0;
    const backport = chunked.find((s) => s.step === 'backport-1');
    assert.ok(backport && backport.layers.length <= 3 && initial >= 6, `${backport?.layers.length} of ${initial}`);
  });

  it('incremental adds one small layer per backport, with a whiteout for the removed file', () => {
    const incremental = plan.strategies.find((s) => s.strategy.kind === 'incremental');
    const backport = incremental?.images[1];
    assert.equal(backport?.layers.length, 3);
    const top = backport?.layers[2]?.spec;
    assert.equal(top?.files.length, 2);
    assert.equal(top?.whiteouts.length, 1);
    assert.equal(incremental?.images[2]?.layers.length, 4);
  });

  it('incremental rebuilds on a train (diff above 25%) and on l10n (forced)', () => {
    const incremental = plan.strategies.find((s) => s.strategy.kind === 'incremental');
    assert.match(incremental?.images[3]?.note ?? '', /rebuilt: diff/);
    assert.equal(incremental?.images[3]?.layers.length, 2);
    assert.match(incremental?.images[4]?.note ?? '', /rebuilt: l10n/);
  });

  it('without a forced rebuild, a train layer whites out the departed branch as one directory', () => {
    const s = smallScenario({ image: { strategies: [{ incremental: { rebuildAbove: '90%', rebuildOn: [] } }] }, deploy: ['initial', 'train'] });
    const trainImage = planImageSet(s).strategies[0]?.images[1];
    assert.deepEqual(trainImage?.layers.at(-1)?.spec.whiteouts, ['srv/mediawiki/php-1.45.0-wmf.1']);
  });

  it('plans the same keys for the same seed', () => {
    const again = planImageSet(smallScenario());
    assert.deepEqual(again.uniqueLayers.map((l) => l.key), plan.uniqueLayers.map((l) => l.key));
  });
});
