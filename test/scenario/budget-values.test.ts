import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricValue } from '../../src/scenario/budgets-schema.ts';

describe('budget values', () => {
  it('reads ratios as times the baseline', () => {
    assert.equal(parseMetricValue('ratio', '3x'), 3);
    assert.equal(parseMetricValue('ratio', '2.5 ×'), 2.5);
    assert.equal(parseMetricValue('ratio', 4), 4);
  });

  it('refuses a ratio or a count with no number in it, rather than reading it as 0', () => {
    for (const bad of ['x', '', '  ', 'abcx', '-1x']) assert.throws(() => parseMetricValue('ratio', bad), /is not a ratio/, bad);
    for (const bad of ['', ' ', '1.5', '-2', 'ten']) assert.throws(() => parseMetricValue('count', bad), /is not a whole number/, bad);
    assert.equal(parseMetricValue('count', ' 40 '), 40);
  });
});
