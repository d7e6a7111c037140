import { cadenceTables } from '../report/cadence-tables.ts';
import type { RunResults } from '../report/results.ts';
import { analyzeRun } from '../report/run-analysis.ts';
import { textTable } from './text-table.ts';

/** The build cadence's week on the terminal (run and simulate); empty when the scenario has no cadence. */
export function renderCadence(results: RunResults): string {
  // Without a cadence there is no table: the run's analysis is not made for none (58 ms of a wikimedia-fleet simulate).
  if (results.cadence === undefined) return '';
  return cadenceTables(results, analyzeRun(results))
    .map((t) => `${t.title.toLowerCase()}:\n${textTable([...t.head], t.rows.map((r) => [...r]), [...t.numeric])}\n`)
    .join('');
}
