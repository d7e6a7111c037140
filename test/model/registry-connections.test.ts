import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COLD_CONNECTION, HostConnections, NEW_CONNECTION, slowStartSeconds, WARM_CONNECTION } from '../../src/model/registry-connections.ts';

const IW = 14_480;

describe('a node\'s connections to one host', () => {
  test('a request takes an idle connection, or opens one; blobs take warm ones first, small requests cold ones', () => {
    const c = new HostConnections(2);
    assert.equal(c.take(0, false), NEW_CONNECTION);
    c.release(0, false);
    // Node 1 has connections of its own.
    assert.equal(c.take(1, true), NEW_CONNECTION);
    assert.equal(c.take(0, true), COLD_CONNECTION, 'the manifest\'s connection, not yet warm');
    assert.equal(c.take(0, true), NEW_CONNECTION, 'a second blob at once opens another');
    c.release(0, true);
    c.release(0, false);
    assert.equal(c.take(0, false), COLD_CONNECTION, 'a small request leaves the warm connection to blobs');
    assert.equal(c.take(0, true), WARM_CONNECTION);
    assert.equal(c.take(0, false), NEW_CONNECTION);
  });
});

describe('TCP slow start', () => {
  test('within one round trip\'s worth, log2(bytes / window + 1) round trips, the first of them the request\'s own', () => {
    // 14480 * (2^5 - 1) bytes take 5 rounds from the initial window: 4 beyond the request's, less the fluid time.
    const bytes = IW * 31;
    assert.ok(Math.abs(slowStartSeconds(bytes, 0.1, 1e9, IW) - (4 * 0.1 - bytes / 1e9)) < 1e-12);
  });

  test('beyond it, the ramp to the bandwidth-delay product, and the rest at the rate', () => {
    // 1 GB/s over 100 ms: a window of 100 MB, reached after log2(100 MB / 14480 + 1) rounds; anything larger pays the same.
    const ramp = (Math.log2(1e8 / IW + 1) - 1) * 0.1 - 0.1;
    assert.ok(Math.abs(slowStartSeconds(1e9, 0.1, 1e9, IW) - ramp) < 1e-12);
    assert.equal(slowStartSeconds(1e10, 0.1, 1e9, IW), slowStartSeconds(1e9, 0.1, 1e9, IW));
    assert.ok(ramp > 1, `about 12 round trips lost across an ocean: ${ramp} s`);
  });

  test('costs nothing for what the initial window carries, with no round trip, or with the window off', () => {
    assert.equal(slowStartSeconds(IW, 0.1, 1e9, IW), 0);
    assert.equal(slowStartSeconds(1e9, 0, 1e9, IW), 0);
    assert.equal(slowStartSeconds(1e9, 0.1, 1e9, 0), 0);
    assert.equal(slowStartSeconds(0, 0.1, 1e9, IW), 0);
  });
});
