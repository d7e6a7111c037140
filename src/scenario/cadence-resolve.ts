import { parseSeconds } from '../core/units.ts';
import type { CadenceInput } from './cadence-schema.ts';
import type { DeployStepKind, ResolvedCadence, ResolvedMerge, ResolvedStep, ResolvedStepBody } from './resolved.ts';
import type { StepInput } from './schema.ts';
import type { SemanticProblem } from './semantic-problem.ts';
import { formatWeekTime, parseWeekTime, WEEK_SECONDS } from './week-time.ts';

// A batch rebuilds as its weightiest merge would (incremental's rebuildOn looks at the kind).
const KIND_WEIGHT: Record<DeployStepKind, number> = { initial: 0, config: 1, backport: 2, l10n: 3, train: 4 };
// Image tags are at most 128 characters.
const MAX_TAG = 128;

const atOf = (step: StepInput): string | undefined => (typeof step === 'object' ? step.at : undefined);
const everyOf = (cadence: CadenceInput | undefined): number | undefined => (cadence === undefined || typeof cadence === 'string' ? undefined : parseSeconds(cadence.every));

/** Merge times in seconds: the initial step at Monday 00:00 unless given, a step without `at` with the one before it. */
function mergeTimes(steps: readonly StepInput[]): number[] {
  let previous = 0;
  return steps.map((step) => {
    const at = atOf(step);
    previous = at === undefined ? previous : parseWeekTime(at);
    return previous;
  });
}

/** A bad cadence or merge list: each with the key to blame and how to fix it. */
export function cadenceProblems(cadence: CadenceInput | undefined, steps: readonly StepInput[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const every = everyOf(cadence);
  if (every !== undefined && every <= 0) {
    problems.push({ path: ['cadence', 'every'], message: 'a build cadence of 0 seconds builds nothing', hint: 'write a period such as 12h or 24h, or cadence: per-merge' });
  }
  if (every !== undefined && every > WEEK_SECONDS) {
    problems.push({ path: ['cadence', 'every'], message: `a build every ${typeof cadence === 'object' ? String(cadence.every) : ''} is longer than the simulated week (168h): its merges would never ship`, hint: 'write a period of at most 168h, such as 12h or 24h' });
  }
  let previous = 0;
  steps.forEach((step, i) => {
    const at = atOf(step);
    if (at === undefined) {
      if (every !== undefined && i > 0) problems.push({ path: ['deploy', i], message: 'with a build cadence every merge needs a merge time, and this step has none', hint: 'add at: with the time it was merged, e.g. { backport: { files: 1 }, at: tue 14:30 }' });
      return;
    }
    const seconds = parseWeekTime(at);
    if (seconds < previous) problems.push({ path: ['deploy', i, 'at'], message: `merged at ${at}, before the merge listed above it (${formatWeekTime(previous)})`, hint: 'list the merges in the order they were merged' });
    previous = Math.max(previous, seconds);
  });
  return problems;
}

/** The deploy steps a cadence builds, and the week's merges; steps unchanged when the scenario has no cadence or merge times. */
export function resolveCadence(cadence: CadenceInput | undefined, inputs: readonly StepInput[], steps: readonly ResolvedStep[]): { deploy: ResolvedStep[]; cadence: ResolvedCadence | undefined } {
  if (cadence === undefined && !inputs.some((s) => atOf(s) !== undefined)) return { deploy: [...steps], cadence: undefined };
  const times = mergeTimes(inputs);
  const every = everyOf(cadence);
  if (every === undefined) {
    const merges = steps.map((s, i): ResolvedMerge => ({ name: s.name, kind: s.kind, atSeconds: times[i] ?? 0, step: s.name, buildAtSeconds: times[i] ?? 0 }));
    return { deploy: [...steps], cadence: { everySeconds: undefined, merges } };
  }
  // The initial rollout ships on its own; every later merge waits for the next build slot (k x every).
  const slots = new Map<number, number[]>();
  steps.forEach((_, i) => {
    const slot = i === 0 ? -1 : Math.ceil((times[i] ?? 0) / every) * every;
    slots.set(slot, [...(slots.get(slot) ?? []), i]);
  });
  const deploy: ResolvedStep[] = [];
  const merges: ResolvedMerge[] = [];
  for (const [slot, indexes] of slots) {
    const batch = indexes.map((index) => ({ index, step: bodyOf(steps[index] as ResolvedStep) }));
    const heaviest = batch.reduce((a, b) => (KIND_WEIGHT[b.step.kind] >= KIND_WEIGHT[a.step.kind] ? b : a)).step;
    const first = batch[0]?.step.name as string;
    const last = batch[batch.length - 1]?.step.name as string;
    const joined = batch.length === 1 ? first : `${first}..${last}`;
    const name = joined.length <= MAX_TAG ? joined : `build-${deploy.length}`;
    deploy.push({ ...heaviest, name, batch });
    const buildAt = slot < 0 ? (times[0] ?? 0) : slot;
    for (const { index, step } of batch) merges.push({ name: step.name, kind: step.kind, atSeconds: times[index] ?? 0, step: name, buildAtSeconds: buildAt });
  }
  return { deploy, cadence: { everySeconds: every, merges } };
}

function bodyOf(step: ResolvedStep): ResolvedStepBody {
  const { batch: _, ...body } = step;
  return body;
}
