/** Which rollout step a hook is wrapped around: the same for the image and the volume side. */
export interface StepIdentity {
  readonly strategy: string;
  readonly step: string;
  readonly repeat: number;
  readonly warmup: boolean;
}

/**
 * Wraps one deploy step's rollout: runs whatever it needs before (a neighbour's baseline), calls `rollout`
 * exactly once, runs what it needs after (recovery), and returns the rollout's value. Runners take it as an
 * option, so they stay unaware of what is wrapped around them.
 */
export type AroundStep = <T>(step: StepIdentity, rollout: () => Promise<T>) => Promise<T>;
