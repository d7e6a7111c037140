import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomic-file.ts';
import type { LoadedContentSource } from '../content/source/content-source-loader.ts';
import type { FleetPlan } from '../model/fleet-plan.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { buildFleetPlan } from './model-plan.ts';
import { fleetPlanKey, readPlan } from './sweep-plan-cache.ts';

/**
 * `simulate`'s fleet plan kept between runs. Planning a Wikimedia-scale scenario builds every deploy step's
 * 287,000-file tree (2 to 3 s, more than the simulation), and a planner's next run mostly changes the model or
 * the fleet, not the content: the plan is a function of the scenario's seed, content, image and deploy steps
 * (fleetPlanKey) and of shipbench's own code, so it is kept under the code's digest and read back when both
 * match. `SHIPBENCH_PLAN_CACHE=off` turns it off; a path puts it there instead.
 */
export const PLAN_CACHE_ENV = 'SHIPBENCH_PLAN_CACHE';

/** Plans kept for one version of the code: the most recently written. */
const KEEP_PLANS = 32;

/** The shipbench checkout or install this module runs from (the directory of its package.json). */
function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** sha256 over the code that runs: the bundle's files when it runs from dist/, else the sources. */
function codeDigest(root: string, here: string): string {
  const code = here.startsWith(join(root, 'dist') + sep) ? join(root, 'dist') : join(root, 'src');
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(path.slice(code.length)).update('\0').update(readFileSync(path));
    }
  };
  walk(code);
  return hash.digest('hex').slice(0, 32);
}

/** Where this code's plans are kept, or undefined when the cache is off or has no place. */
function plansDir(): { readonly base: string; readonly dir: string } | undefined {
  const setting = process.env[PLAN_CACHE_ENV];
  if (setting === 'off') return undefined;
  const here = fileURLToPath(import.meta.url);
  const root = packageRoot(dirname(here));
  if (root === undefined) return undefined;
  const base = setting !== undefined && setting !== '' ? setting : join(root, 'node_modules', '.cache', 'shipbench', 'plans');
  return { base, dir: join(base, `code-${codeDigest(root, here)}`) };
}

/** A code digest's directory and a plan's file, as this module names them: nothing else is ever removed. */
const DIGEST_DIR = /^code-[0-9a-f]{32}$/;
const PLAN_FILE = /^plan-[0-9a-f]{64}\.json$/;

/** Keeps this code's newest plans and drops every other code version's (only what this cache wrote). */
async function prune(base: string, dir: string): Promise<void> {
  for (const entry of await readdir(base)) if (DIGEST_DIR.test(entry) && join(base, entry) !== dir) await rm(join(base, entry), { recursive: true, force: true });
  const files = await Promise.all((await readdir(dir)).filter((f) => PLAN_FILE.test(f)).map(async (f) => ({ f, at: (await stat(join(dir, f))).mtimeMs })));
  files.sort((a, b) => b.at - a.at);
  for (const { f } of files.slice(KEEP_PLANS)) await rm(join(dir, f), { force: true });
}

/** The scenario's fleet plan, from the cache when this code planned the same content before; `cached` says which. */
export async function cachedFleetPlan(scenario: ResolvedScenario, source?: LoadedContentSource): Promise<{ plan: FleetPlan; cached: boolean }> {
  const where = plansDir();
  if (where === undefined) return { plan: buildFleetPlan(scenario, 1, source), cached: false };
  const path = join(where.dir, `plan-${fleetPlanKey(scenario, 1, source)}.json`);
  const known = await readPlan(path);
  if (known !== undefined) return { plan: known, cached: true };
  const plan = buildFleetPlan(scenario, 1, source);
  try {
    await mkdir(where.dir, { recursive: true });
    await writeFileAtomic(path, JSON.stringify(plan));
    await prune(where.base, where.dir);
  } catch {
    // A cache that cannot be written (a read-only install, a full disk) is no cache: the run goes on.
  }
  return { plan, cached: false };
}
