import { empiricalMean, empiricalVariation } from '../core/empirical-distribution.ts';
import { parseBitsPerSecond, parseBytesPerSecond, parseSeconds, parseShare } from '../core/units.ts';
import type { ModelInput } from './model-schema.ts';
import type { EmpiricalSpread, NodeSpreadSettings } from './model-resolved.ts';

/** interference: see NODE_INTERFERENCE_SOURCE in model/node-interference.ts (p99/p50 of published fleets). */
export const SPREAD_DEFAULTS = { nic: '10%', disk: '20%', decompress: '10%', latency: '30%', localRtt: '1ms', startDelay: '0.5s', interference: '25%' } as const;

type SpreadInput = NonNullable<NonNullable<ModelInput['node']>['spread']>;
type Text = string | number;

/** A quantity given as a coefficient (or a mean delay), or as `{ empirical: [...] }` measured values. */
function isEmpirical(value: Text | { empirical: Text[] } | undefined): value is { empirical: Text[] } {
  return typeof value === 'object';
}

/**
 * model.node.spread after defaults. A quantity given as measured values keeps them (in its unit) under
 * `empirical`, and its coefficient of variation (or mean start delay) is that of their distribution.
 */
export function resolveSpread(input: SpreadInput | undefined): NodeSpreadSettings {
  const empirical: { -readonly [K in keyof EmpiricalSpread]: number[] } = {};
  const variation = (key: 'nic' | 'disk' | 'decompress' | 'latency', parse: (v: Text) => number): number => {
    const value = input?.[key];
    if (!isEmpirical(value)) return parseShare(value ?? SPREAD_DEFAULTS[key]);
    const values = value.empirical.map(parse);
    empirical[key] = values;
    return empiricalVariation(values);
  };
  const startDelay = input?.startDelay;
  let startDelaySeconds: number;
  if (isEmpirical(startDelay)) {
    empirical.startDelay = startDelay.empirical.map(parseSeconds);
    startDelaySeconds = empiricalMean(Float64Array.from(empirical.startDelay).sort());
  } else startDelaySeconds = parseSeconds(startDelay ?? SPREAD_DEFAULTS.startDelay);
  const settings: NodeSpreadSettings = {
    nic: variation('nic', parseBitsPerSecond),
    disk: variation('disk', parseBytesPerSecond),
    decompress: variation('decompress', parseBytesPerSecond),
    latency: variation('latency', parseSeconds),
    localRttSeconds: parseSeconds(input?.localRtt ?? SPREAD_DEFAULTS.localRtt),
    startDelaySeconds,
    interference: parseShare(input?.interference ?? SPREAD_DEFAULTS.interference),
  };
  return Object.keys(empirical).length === 0 ? settings : { ...settings, empirical };
}
