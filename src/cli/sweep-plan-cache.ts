import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import type { LoadedContentSource } from '../content/source/content-source-loader.ts';
import type { FleetPlan } from '../model/fleet-plan.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { buildFleetPlan } from './model-plan.ts';

/**
 * The fleet plan shared by the points of one sweep. Planning a Wikimedia-scale scenario (300,000 files per
 * tree) costs more than simulating it, and most sweeps vary the fleet or the model, not the content: the
 * sweep plans each distinct content once, into OUT/plans/, and hands its points the directory through this
 * variable. A point whose content differs (content.scale swept) plans and stores its own.
 */
export const SWEEP_PLANS_ENV = 'SHIPBENCH_SWEEP_PLANS';

/**
 * What buildFleetPlan reads of a scenario (of the volume side, only how l10n caches travel), and a real
 * source's label (its digest over every file): equal keys give equal plans.
 */
export function fleetPlanKey(scenario: ResolvedScenario, blobScale = 1, source?: LoadedContentSource): string {
  const { seed, content, image, deploy } = scenario;
  return createHash('sha256').update(JSON.stringify({ seed, content, image, deploy, l10n: scenario.volume.l10n, blobScale, source: source?.label })).digest('hex');
}

/** A plan stored before, or undefined when there is none or what is there is not a plan (it is planned again). */
export async function readPlan(path: string): Promise<FleetPlan | undefined> {
  try {
    const plan = JSON.parse(await readFile(path, 'utf8')) as Partial<FleetPlan> | null;
    return plan !== null && Array.isArray(plan.strategies) && Array.isArray(plan.volume) ? (plan as FleetPlan) : undefined;
  } catch {
    return undefined;
  }
}

/** The plan from `dir` when a point before planned the same content, else built (and stored there for the next). */
export async function sharedFleetPlan(scenario: ResolvedScenario, dir: string | undefined, source?: LoadedContentSource, blobScale = 1): Promise<FleetPlan> {
  if (dir === undefined || dir === '') return buildFleetPlan(scenario, blobScale, source);
  const path = join(dir, `${fleetPlanKey(scenario, blobScale, source)}.json`);
  const known = await readPlan(path);
  if (known !== undefined) return known;
  const plan = buildFleetPlan(scenario, blobScale, source);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path, JSON.stringify(plan));
  return plan;
}
