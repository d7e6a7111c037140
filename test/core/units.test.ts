import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatSeconds, parseBitsPerSecond, parseBytes, parseBytesPerSecond, parseSeconds, parseShare, UnitError } from '../../src/core/units.ts';

describe('units', () => {
  it('parses sizes with IEC and SI prefixes', () => {
    assert.equal(parseBytes('6GiB'), 6 * 2 ** 30);
    assert.equal(parseBytes('250MB'), 250_000_000);
    assert.equal(parseBytes('1.5 KiB'), 1536);
    assert.equal(parseBytes('4096'), 4096);
    assert.equal(parseBytes(4096), 4096);
    assert.equal(parseBytes('2.1GB'), 2_100_000_000);
  });

  it('refuses sizes that are bits, rates or nonsense, with a hint', () => {
    for (const bad of ['1Gbit', '2GiB/s', '5 parsecs', '-3GiB', '', 'GiB', '10Gi']) {
      assert.throws(() => parseBytes(bad), (e: unknown) => e instanceof UnitError && e.hint.length > 0, bad);
    }
    assert.throws(() => parseBytes(-1), UnitError);
  });

  it('parses bit and byte rates into each other', () => {
    assert.equal(parseBitsPerSecond('1Gbit/s'), 1e9);
    assert.equal(parseBitsPerSecond('100Mbps'), 1e8);
    assert.equal(parseBitsPerSecond('125MB/s'), 1e9);
    assert.equal(parseBytesPerSecond('200MiB/s'), 200 * 2 ** 20);
    assert.equal(parseBytesPerSecond('1Gbit/s'), 125e6);
    assert.throws(() => parseBitsPerSecond('fast'), UnitError);
    assert.throws(() => parseBitsPerSecond('0Mbit/s'), UnitError);
  });

  it('parses durations and shares', () => {
    assert.equal(parseSeconds('30s'), 30);
    assert.equal(parseSeconds('1h30m'), 5400);
    assert.equal(parseSeconds('250ms'), 0.25);
    assert.equal(parseShare('25%'), 0.25);
    assert.equal(parseShare(0.5), 0.5);
    assert.throws(() => parseSeconds('soon'), UnitError);
    assert.throws(() => parseShare('125%'), UnitError);
  });

  it('formats sizes in IEC units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(6 * 2 ** 30), '6.00 GiB');
    assert.equal(formatBytes(150 * 2 ** 20), '150.0 MiB');
  });

  it('formats durations in minutes and whole seconds past two minutes, rounding into the next minute', () => {
    assert.equal(formatSeconds(0.25), '250 ms');
    assert.equal(formatSeconds(95.04), '95.0 s');
    assert.equal(formatSeconds(16 * 60 + 59.6), '17 min 0 s');
    assert.equal(formatSeconds(16 * 60 + 59.4), '16 min 59 s');
    assert.equal(formatSeconds(83 * 60 + 49), '83 min 49 s');
  });
});
