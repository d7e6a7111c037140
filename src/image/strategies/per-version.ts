import type { FileEntry } from '../../content/file-entry.ts';
import { baseLayers, layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';

/**
 * Shared files below, one layer per live branch, config on top: a train replaces one branch layer, a
 * backport re-ships one branch, a config change only the top layer.
 */
export function planPerVersion(_strategy: unknown, input: LayerPlanInput): LayerPlan {
  const { base, code } = splitBase(input.scenario, input.tree);
  const shared: FileEntry[] = [];
  const config: FileEntry[] = [];
  const byVersion = new Map<string, FileEntry[]>(input.tree.versions.map((v) => [v, []]));
  for (let i = 0; i < code.length; i++) {
    const f = code[i] as FileEntry;
    if (f.component === 'config') config.push(f);
    else if (f.version === undefined) shared.push(f);
    else byVersion.get(f.version)?.push(f);
  }
  const layers = [
    ...baseLayers(base),
    ...(shared.length > 0 ? [layerOf('shared', shared)] : []),
    ...[...byVersion].filter(([, files]) => files.length > 0).map(([version, files]) => layerOf(`php-${version}`, files)),
    ...(config.length > 0 ? [layerOf('config', config)] : []),
  ];
  return { layers, note: undefined };
}
