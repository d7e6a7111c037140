import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { histogramShares, loadValidationCases, relativeError, simulateCase, totalVariation } from '../../bench/validation-cases.ts';

/**
 * Published figures of real systems (scenarios/validation/) against the fleet model: each figure a case's
 * `test` names stays within 25%. The cases run with their `test.nodes`, fewer than published where the
 * figure does not depend on the node count (each file says why); bench/validation.ts runs them in full.
 */
describe('validation: published results of real registry and P2P systems', () => {
  for (const c of loadValidationCases()) {
    // A case the test leaves out says why (the loader requires it): the bench still prints it.
    if (c.test.figures.length === 0) continue;
    test(`${c.name} (${c.source.url})`, () => {
      const run = simulateCase(c, c.test.nodes);
      for (const figure of c.test.figures) {
        const published = c.published[figure];
        assert.ok(published !== undefined, `${c.file}: test.figures names ${figure}, which is not published`);
        const error = relativeError(published, run.figures[figure]);
        assert.ok(Math.abs(error) <= 0.25, `${c.name} ${figure}: published ${published} s, simulated ${run.figures[figure].toFixed(2)} s (${(error * 100).toFixed(0)}%)`);
      }
    });
  }
});

describe('validation: a published histogram beside simulated times', () => {
  test("Kraken's chart is read as 2 s bins counted from each bar's label, about its 5200 downloads", () => {
    const kraken = loadValidationCases().find((c) => c.name === 'kraken-readme');
    const histogram = kraken?.histogram;
    assert.ok(histogram !== undefined, 'kraken-readme.yaml carries the README chart');
    assert.equal(histogram.binSeconds, 2);
    const total = histogram.counts.reduce((sum, [, n]) => sum + n, 0);
    assert.ok(Math.abs(total - 5200) / 5200 < 0.01, `the bars sum to ${total} downloads, the README counts 5200`);
    // The tallest bar holds the median, which the README puts at 10 s (the speed limit): the label is the bin's lower edge.
    const tallest = histogram.counts.reduce((a, b) => (b[1] > a[1] ? b : a));
    assert.equal(tallest[0], 10);
  });

  test('shares count each time in the bin from its lower edge up, and the distance is 0 for alike and 1 for disjoint', () => {
    const histogram = { binSeconds: 2, read: 'test', counts: [[10, 3], [12, 1]] as Array<[number, number]> };
    const alike = histogramShares(histogram, [10, 11.9, 10.5, 12]);
    assert.deepEqual(alike.map((s) => [s.from, s.published, s.simulated]), [[10, 0.75, 0.75], [12, 0.25, 0.25]]);
    assert.equal(totalVariation(alike), 0);
    // Times past every bin count in none: all of them at 14 s is as far as the shapes go.
    assert.equal(totalVariation(histogramShares(histogram, [14, 15, 15.9])), 1);
    assert.equal(totalVariation(histogramShares(histogram, [12, 12.5, 13, 13.5])), 0.75);
  });
});

describe('validation: case files', () => {
  test('a case file that is not YAML fails naming the file, with the line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipbench-validation-'));
    try {
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, 'name: broken\nsource:\n  - a: b: c\n');
      assert.throws(() => loadValidationCases(dir), (error: Error) => error.message.startsWith(`${file}: `) && /line 3, column \d+/.test(error.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
