import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadValidationCases, relativeError, simulateCase } from '../../bench/validation-cases.ts';

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
