import { ShipbenchError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import type { ResolvedScenario, ResolvedStep } from '../../scenario/resolved.ts';
import type { ContentTree } from '../content-tree.ts';
import { changeAndRemove } from '../deploy-step.ts';
import type { FileEntry } from '../file-entry.ts';
import { reviseEntry, trainChanges } from '../tree-builder.ts';
import { REAL_KEY_PREFIX } from './real-content.ts';

/**
 * The scenario's synthetic deploy steps applied to a real tree (`content.source.dir`): real files edited
 * the way the synthetic model edits its own (a few hunks spliced into the parent's bytes, reviseEntry), in
 * place, since a real tree has no second branch to add or retire:
 * - backport: a few code files (php, js) of core, extensions or skins;
 * - config: a few files of the `config` component;
 * - train: each file with the train's churn, weighted by kind as real trains are (mostly i18n JSON), and
 *   the l10n cache rebuilt;
 * - l10n: every CDB file of the l10n cache rebuilt (about 80% of each stays as it was).
 */
export function applyRealDeployStep(scenario: ResolvedScenario, tree: ContentTree, step: ResolvedStep, stepIndex: number): ContentTree {
  const rng = Rng.derive(scenario.seed, 'source-step', stepIndex, step.name);
  const revision = `s${stepIndex}`;
  switch (step.kind) {
    case 'initial':
      return tree;
    case 'backport':
      return changeAndRemove(tree, isBackportable, step.files, step.removes, revision, rng, step.name);
    case 'config':
      return changeAndRemove(tree, (f) => isReal(f) && f.component === 'config', step.files, step.removes, revision, rng, step.name);
    case 'train':
      return { versions: tree.versions, files: tree.files.map((f) => (isReal(f) && (f.kind === 'cdb' || trainChanges(f, step.churnShare, rng)) ? reviseEntry(f, revision, rng) : f)) };
    case 'l10n': {
      if (!tree.files.some((f) => isReal(f) && f.kind === 'cdb')) {
        throw new ShipbenchError('step-too-large', `deploy step "${step.name}" rebuilds the l10n cache, but the source tree holds no .cdb file`, { hint: 'remove the l10n step, or point content.source at a tree with cache/l10n/*.cdb' });
      }
      return { versions: tree.versions, files: tree.files.map((f) => (isReal(f) && f.kind === 'cdb' ? reviseEntry(f, revision, rng) : f)) };
    }
  }
}

const BACKPORT_COMPONENTS = new Set(['core', 'extensions', 'skins']);

/** A file of the source (edited or not), not of the synthetic base image. */
const isReal = (f: FileEntry): boolean => f.contentKey.startsWith(REAL_KEY_PREFIX);

function isBackportable(f: FileEntry): boolean {
  return isReal(f) && (f.kind === 'php' || f.kind === 'js') && BACKPORT_COMPONENTS.has(f.component) && f.bytes > 0;
}
