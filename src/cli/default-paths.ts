import { join } from 'node:path';

/** Where commands write when not told: `reports/<scenario name>/...` under the current directory. */
export function defaultImagesDir(scenarioName: string): string {
  return join('reports', scenarioName, 'images');
}

/** A run's own default directory: `reports/<scenario name>/<kind>-<UTC time, e.g. 20261205-104947>`. */
export function defaultTimedDir(scenarioName: string, kind: string): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('reports', scenarioName, `${kind}-${time}`);
}
