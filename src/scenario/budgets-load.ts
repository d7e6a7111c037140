import { type ResolvedBudget, resolveBudgets } from './budgets-resolve.ts';
import { budgetsFileSchema, type BudgetsFileInput } from './budgets-schema.ts';
import { checkDocument, type DocumentKind, readScenarioSource } from './load.ts';

const BUDGETS_DOCUMENT: DocumentKind<BudgetsFileInput> = {
  schema: budgetsFileSchema,
  code: 'invalid-budgets',
  consequence: 'nothing was checked',
  hint: 'see "CI budgets" in the README for every metric and limit a budget takes',
  example: 'a budgets file is a mapping with a list under budgets:, e.g. `budgets: [{ metric: compressed-size, max: 2GiB }]`',
};

/** Reads a budgets file with the scenario loader's checks: every problem at once, each at file:line:col. */
export async function loadBudgetsFile(file: string): Promise<ResolvedBudget[]> {
  const source = await readScenarioSource(file);
  return resolveBudgets(checkDocument(source, file, BUDGETS_DOCUMENT).input.budgets);
}
