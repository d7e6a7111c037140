import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeRoundTrips } from '../../src/model/node-round-trips.ts';

describe('a node\'s round trips: the path\'s, with the node\'s own part varied by its draw', () => {
  const trips = new NodeRoundTrips(Float64Array.from([0.5, 1, 2]), 0.001);

  test('a round trip within the local part is the draw times all of it, bit for bit', () => {
    assert.equal(trips.of(0, 0.0008), 0.0008 * 0.5);
    assert.equal(trips.of(2, 0.001), 0.001 * 2);
    assert.equal(trips.of(1, 0), 0);
  });

  test('a longer one adds the draw\'s change of the local part to the path', () => {
    assert.ok(Math.abs(trips.of(0, 0.09) - (0.09 - 0.0005)) < 1e-15, `${trips.of(0, 0.09)}`);
    assert.ok(Math.abs(trips.of(2, 0.09) - (0.09 + 0.001)) < 1e-15, `${trips.of(2, 0.09)}`);
    assert.equal(trips.of(1, 0.09), 0.09);
  });

  test('an unbounded local part (a calibrated run) varies the whole round trip', () => {
    const whole = new NodeRoundTrips(Float64Array.from([1.5]), Number.POSITIVE_INFINITY);
    assert.equal(whole.of(0, 0.09), 0.09 * 1.5);
    assert.equal(whole.nodes, 1);
  });
});
