/**
 * Human units, parsed once at the edge (ARCHITECTURE.md, rule 7): sizes, bit and byte rates, durations and
 * shares. SI prefixes are powers of 1000, IEC prefixes (Ki, Mi, Gi, Ti) powers of 1024, as in the standards.
 */

export type Bytes = number;
export type BytesPerSecond = number;
export type BitsPerSecond = number;
export type Seconds = number;

const SI: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const IEC: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

export class UnitError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.name = 'UnitError';
    this.hint = hint;
  }
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const SIZE_RE = new RegExp(String.raw`^${NUMBER}\s*(Ki|Mi|Gi|Ti|k|K|M|G|T)?(B|b|bit|bits)?$`);

function multiplier(prefix: string | undefined): number {
  if (prefix === undefined) return 1;
  return IEC[prefix] ?? SI[prefix] ?? Number.NaN;
}

function requireFinite(value: number, text: string, hint: string): number {
  if (!Number.isFinite(value)) throw new UnitError(`"${text}" is too large to be a number`, hint);
  return value;
}

const SIZE_HINT = 'write a size like 150MiB, 6GiB, 250MB or 4096 (bytes); B is bytes, KiB/MiB/GiB are 1024-based, kB/MB/GB 1000-based';

/** `6GiB` -> 6442450944. A bare number is bytes. Fractions of a byte are rounded. */
export function parseBytes(input: string | number): Bytes {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError(`size ${input} must be a non-negative number of bytes`, SIZE_HINT);
    return Math.round(input);
  }
  const text = input.trim();
  if (text.startsWith('-')) throw new UnitError(`size "${input}" cannot be negative`, SIZE_HINT);
  const m = SIZE_RE.exec(text);
  if (m === null) throw new UnitError(`"${input}" is not a size`, SIZE_HINT);
  const [, num, prefix, unit] = m;
  if (unit !== undefined && unit !== 'B') {
    throw new UnitError(`"${input}" is in bits; a size is in bytes`, `use B for bytes, e.g. ${num}${prefix ?? ''}B`);
  }
  if (unit === undefined && prefix !== undefined) {
    throw new UnitError(`"${input}" has no unit after "${prefix}"`, `write ${num}${prefix}B (bytes)`);
  }
  return Math.round(requireFinite(Number(num) * multiplier(prefix), text, SIZE_HINT));
}

const RATE_RE = new RegExp(String.raw`^${NUMBER}\s*(Ki|Mi|Gi|Ti|k|K|M|G|T)?(B|bit|b)(?:/s|ps)$`);
const RATE_HINT = 'write a rate like 1Gbit/s, 100Mbit/s (bits per second) or 200MiB/s, 250MB/s (bytes per second)';

/** `1Gbit/s` or `125MB/s` -> bits per second. */
export function parseBitsPerSecond(input: string | number): BitsPerSecond {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input <= 0) throw new UnitError(`rate ${input} must be a positive number of bits per second`, RATE_HINT);
    return input;
  }
  const text = input.trim();
  const m = RATE_RE.exec(text);
  if (m === null) throw new UnitError(`"${input}" is not a rate`, RATE_HINT);
  const [, num, prefix, unit] = m;
  const value = requireFinite(Number(num) * multiplier(prefix), text, RATE_HINT);
  if (value <= 0) throw new UnitError(`rate "${input}" must be above zero`, RATE_HINT);
  return unit === 'B' ? value * 8 : value;
}

/** `200MiB/s` -> bytes per second (bit rates are converted). */
export function parseBytesPerSecond(input: string | number): BytesPerSecond {
  if (typeof input === 'number') return parseBitsPerSecond(input * 8) / 8;
  return parseBitsPerSecond(input) / 8;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const DURATION_HINT = 'write a duration like 30s, 250ms, 5m or 1h30m';
const SECONDS_PER: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600 };

/** `1h30m` -> 5400. A bare number is seconds. */
export function parseSeconds(input: string | number): Seconds {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError(`duration ${input} must be a non-negative number of seconds`, DURATION_HINT);
    return input;
  }
  const text = input.replace(/\s+/g, '');
  if (!DURATION_RE.test(text)) throw new UnitError(`"${input}" is not a duration`, DURATION_HINT);
  let total = 0;
  for (const [, num, unit] of text.matchAll(DURATION_PART)) total += Number(num) * (SECONDS_PER[unit as string] ?? Number.NaN);
  return total;
}

const SHARE_HINT = 'write a share like 25% or 0.25';

/** `25%` or `0.25` -> 0.25; must lie in [0, 1]. */
export function parseShare(input: string | number): number {
  let value: number;
  if (typeof input === 'number') value = input;
  else {
    const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(input.trim());
    if (m !== null) value = Number(m[1]) / 100;
    else if (/^\d*\.?\d+$/.test(input.trim())) value = Number(input.trim());
    else throw new UnitError(`"${input}" is not a share`, SHARE_HINT);
  }
  if (!(value >= 0 && value <= 1)) throw new UnitError(`share ${typeof input === 'number' ? input : `"${input}"`} must lie between 0% and 100%`, SHARE_HINT);
  return value;
}

/** 6442450944 -> "6.0 GiB": IEC units, one decimal above bytes. */
export function formatBytes(bytes: Bytes): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${value} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${sign}${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

export function formatBytesPerSecond(rate: BytesPerSecond): string {
  return `${formatBytes(rate)}/s`;
}

export function formatSeconds(seconds: Seconds): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  // Whole seconds first: 16 min 59.6 s reads 17 min 0 s, never 16 min 60 s.
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes} min ${whole - minutes * 60} s`;
}

export function formatShare(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;
}
