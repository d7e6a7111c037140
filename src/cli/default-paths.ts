import { join } from 'node:path';

/** `--force` for every command that writes a directory (the output contract, core/output-contract.ts). */
export const FORCE_DESCRIPTION = 'write into an existing non-empty directory shipbench did not create (only its own files are written there; nothing is removed)';

/** Where commands write when not told: `reports/<scenario name>/...` under the current directory. */
export function defaultImagesDir(scenarioName: string): string {
  return join('reports', scenarioName, 'images');
}
