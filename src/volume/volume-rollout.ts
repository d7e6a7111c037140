/** The volume side's names and events; its rollout is the harness's (harness/volume-mechanism.ts). */
import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { RESERVED_STRATEGY_NAME } from '../scenario/resolved.ts';

/** The strategy name the volume side's samples carry; layer strategies may not take it. */
export const VOLUME_STRATEGY = RESERVED_STRATEGY_NAME;

/** A deploy step's plain code tree, as `generate --tree` wrote it: what the deployment master serves. */
export interface StagingTree {
  readonly step: string;
  readonly dir: string;
}

export type VolumeRolloutEvent =
  | { readonly type: 'daemons-started'; readonly master: DaemonInfo; readonly proxies: readonly DaemonInfo[] }
  | { readonly type: 'step-start'; readonly strategy: string; readonly step: string; readonly repeat: number; readonly warmup: boolean; readonly nodes: number }
  | { readonly type: 'node-start'; readonly node: string; readonly proxy: string; readonly step: string; readonly repeat: number }
  | { readonly type: 'failover'; readonly node: string; readonly from: string; readonly to: string | undefined; readonly reason: string }
  | { readonly type: 'node-done'; readonly sample: NodeStepSample }
  | { readonly type: 'step-done'; readonly result: StepResult };

export interface DaemonInfo {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
}
