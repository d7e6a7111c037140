import { readFile } from 'node:fs/promises';
import { ShipbenchError } from '../core/errors.ts';
import { RESULTS_SCHEMA_VERSION, runResultsSchema, type RunResults } from './results.ts';

/**
 * Reads a results.json for `report` and `compare`, refusing anything else with what is wrong and how to get
 * a good file (exit 2): a missing file, not JSON, not a shipbench results file, another schema version.
 */
export async function readResultsFile(path: string): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ShipbenchError('results-unreadable', `cannot read results file ${path} (${code === 'ENOENT' ? 'no such file' : code})`, {
      hint: 'pass the results.json a `shipbench run` wrote, e.g. reports/<scenario>/run-<time>/results.json',
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ShipbenchError('results-not-json', `${path} is not JSON: ${(error as Error).message}`, {
      hint: 'pass the results.json a `shipbench run` wrote; a file cut short by a full disk cannot be read',
      cause: error,
    });
  }
  return resultsFromJson(data, path);
}

/**
 * The one check that parsed JSON is a results file this shipbench reads (used for every results.json read:
 * `report`, `compare`, `check`, sweeps, calibration): the schema field, its version, then the whole schema.
 */
export function resultsFromJson(data: unknown, path: string): RunResults {
  const schema = typeof data === 'object' && data !== null && 'schema' in data ? (data as { schema: unknown }).schema : undefined;
  if (typeof schema !== 'string' || !schema.startsWith('shipbench/results/')) {
    throw new ShipbenchError('not-results', `${path} is not a shipbench results file (no "schema": "${RESULTS_SCHEMA_VERSION}" field)`, {
      hint: 'pass the results.json a `shipbench run` wrote, not a scenario, report or spec file',
    });
  }
  if (schema !== RESULTS_SCHEMA_VERSION) {
    throw new ShipbenchError('results-version', `${path} has results schema ${schema}; this shipbench reads ${RESULTS_SCHEMA_VERSION}`, {
      hint: 'use the shipbench version that wrote the file, or rerun the scenario with this one',
    });
  }
  const parsed = runResultsSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
    throw new ShipbenchError('results-invalid', `${path} does not match ${RESULTS_SCHEMA_VERSION}: ${problems.join('; ')}${more}`, {
      hint: 'the file was edited or truncated; rerun the scenario to get a complete results file',
    });
  }
  return parsed.data;
}
