import { join } from 'node:path';

/** Where commands write when not told: `reports/<scenario name>/...` under the current directory. */
export function defaultImagesDir(scenarioName: string): string {
  return join('reports', scenarioName, 'images');
}
