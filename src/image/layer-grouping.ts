import type { ContentTree } from '../content/content-tree.ts';
import type { FileEntry } from '../content/file-entry.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { LayerSpec } from './layer-spec.ts';

/** Splitting a tree into the groups strategies build layers from. Files keep their sorted order. */

export function layerOf(role: string, files: readonly FileEntry[], whiteouts: readonly string[] = []): LayerSpec {
  return { role, files, whiteouts };
}

export function baseComponentNames(scenario: ResolvedScenario): Set<string> {
  return new Set(scenario.content.components.filter((c) => c.base).map((c) => c.name));
}

export interface BaseSplit {
  readonly base: readonly FileEntry[];
  readonly code: readonly FileEntry[];
}

/** Splits already made, per tree: every strategy and the volume side ask this of every step's tree (300,000 files). */
const splits = new WeakMap<ContentTree, { readonly scenario: ResolvedScenario; readonly split: BaseSplit }>();

/** The base image layer (OS + PHP runtime), and the code above it. */
export function splitBase(scenario: ResolvedScenario, tree: ContentTree): BaseSplit {
  const known = splits.get(tree);
  if (known !== undefined && known.scenario === scenario) return known.split;
  const baseNames = baseComponentNames(scenario);
  const base: FileEntry[] = [];
  const code: FileEntry[] = [];
  // Indexed loops over whole trees, here and in the plan: a for-of runs about 20x slower until V8 optimises the
  // loop (it allocates an iterator result per entry), and each of these loops runs only once per tree.
  for (let i = 0; i < tree.files.length; i++) {
    const f = tree.files[i] as FileEntry;
    (baseNames.has(f.component) ? base : code).push(f);
  }
  const split = { base, code };
  splits.set(tree, { scenario, split });
  return split;
}

/** A base layer when the content has one; strategies put it at the bottom, unchanged across deploys. */
export function baseLayers(base: readonly FileEntry[]): LayerSpec[] {
  return base.length === 0 ? [] : [layerOf('base', base)];
}
