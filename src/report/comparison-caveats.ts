import { type ContentSourceResult, contentSourceText } from './content-source-result.ts';
import type { RunResults } from './results.ts';

/**
 * Why deltas between two runs may not mean "this change did that": one run simulated and one measured, or
 * two different scenarios. Said loudly at the top of every rendering of a comparison (text, md, html, json),
 * because the table itself looks the same either way.
 */
export interface ComparisonCaveat {
  readonly kind: 'simulated-vs-measured' | 'different-scenarios';
  readonly message: string;
}

export function comparisonCaveats(before: RunResults, after: RunResults): ComparisonCaveat[] {
  const caveats: ComparisonCaveat[] = [];
  if (before.source !== after.source) {
    caveats.push({
      kind: 'simulated-vs-measured',
      message: `A is ${before.source} and B is ${after.source}: the deltas compare the fleet model with a measurement, not one change with another; read them as the model's error (calibration), and compare measured with measured`,
    });
  }
  const differences: string[] = [];
  if (before.scenario.name !== after.scenario.name) differences.push(`name "${before.scenario.name}" vs "${after.scenario.name}"`);
  if (before.scenario.seed !== after.scenario.seed) differences.push(`seed ${before.scenario.seed} vs ${after.scenario.seed}`);
  const content = (r: RunResults): string => JSON.stringify((r.scenario as Record<string, unknown>).content ?? null);
  if (content(before) !== content(after)) differences.push('different content (preset, scale, versions or components)');
  const source = sourceDifference(before.content, after.content);
  if (source !== undefined) differences.push(source);
  if (differences.length > 0) {
    caveats.push({
      kind: 'different-scenarios',
      message: `A and B are different scenarios (${differences.join('; ')}): the deltas include what the scenarios differ in, not only the change under test`,
    });
  }
  return caveats;
}

/**
 * Different content sources (synthetic vs a real tree, two trees, two git ranges), or the same real source
 * read at different digests (the tree changed between the runs). Results older than `content` say nothing.
 */
function sourceDifference(a: ContentSourceResult | undefined, b: ContentSourceResult | undefined): string | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === 'synthetic' && b.kind === 'synthetic') return undefined; // the scenario's content block already says
  if (a.kind === b.kind && a.location === b.location && a.digest !== undefined && a.digest === b.digest) return undefined;
  return `different content sources: A ${contentSourceText(a)}; B ${contentSourceText(b)}`;
}
