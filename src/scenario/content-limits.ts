import { formatBytes } from '../core/units.ts';
import { PRESETS, type PresetComponent } from './presets.ts';
import type { ScenarioInput } from './schema.ts';
import type { SemanticProblem } from './semantic-problem.ts';

/**
 * What the content generator can build on one machine, checked before anything is generated.
 * - One file is filled in one buffer and written with one write: Node's fs writes at most 2 GiB - 4 KiB in one
 *   call (Linux's limit) and buffers end at 4 GiB, so a file is at most 1 GiB, well inside both.
 * - Every file of the initial tree is an entry in memory, about MEASURED_ENTRY_BYTES each, once per deploy step
 *   tree kept at a time: 2,000,000 files (7.6 times the 262,798 of the real multiversion tree) is about 1 GB.
 * These figures are the README's "Limits"; change them there too.
 */
export const MAX_FILE_BYTES = 2 ** 30;
export const MAX_TREE_FILES = 2_000_000;

function scaledCount(count: number, scale: number): number {
  return count === 0 ? 0 : Math.max(1, Math.round(count * scale));
}

/** `components`: the preset merged with the file's overrides, at scale 1 (resolve.ts's mergeComponents). */
export function contentLimitProblems(input: ScenarioInput, components: readonly PresetComponent[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const scale = input.content?.scale ?? 1;
  const preset = PRESETS[input.content?.preset ?? 'mediawiki-multiversion'];
  const versions = input.content?.versions ?? preset?.versions ?? 1;
  const listed = input.content?.components ?? [];
  const scaleNote = scale === 1 ? '' : ` at scale ${scale}`;

  for (const c of components) {
    const files = scaledCount(c.files, scale);
    const bytes = Math.max(files, Math.round(c.bytes * scale));
    if (files === 0 || bytes / files <= MAX_FILE_BYTES) continue;
    const index = listed.findIndex((l) => l.name === c.name);
    const path = c.base && input.image?.base?.size !== undefined ? ['image', 'base', 'size'] : index === -1 ? ['content', 'scale'] : ['content', 'components', index];
    problems.push({
      path,
      message: `component "${c.name}" has ${files} file${files === 1 ? '' : 's'} of ${formatBytes(bytes)} in all${scaleNote}: ${formatBytes(bytes / files)} a file on average, but one generated file is at most ${formatBytes(MAX_FILE_BYTES)}`,
      hint: `give it more files (at least ${Math.ceil(bytes / MAX_FILE_BYTES)}) or less size`,
    });
  }

  const treeFiles = components.reduce((n, c) => n + scaledCount(c.files, scale) * (c.perVersion ? versions : 1), 0);
  if (treeFiles > MAX_TREE_FILES) {
    const path = input.content?.scale !== undefined ? ['content', 'scale'] : input.content?.versions !== undefined ? ['content', 'versions'] : ['content'];
    problems.push({
      path,
      message: `the initial tree would hold ${treeFiles.toLocaleString('en-US')} files (${versions} live version${versions === 1 ? '' : 's'}${scaleNote}), more than the ${MAX_TREE_FILES.toLocaleString('en-US')} the generator holds in memory`,
      hint: `lower content.scale (to about ${Math.floor((MAX_TREE_FILES / treeFiles) * scale * 100) / 100}) or content.versions`,
    });
  }
  return problems;
}
