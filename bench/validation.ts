/**
 * Published results of real registry and P2P systems (scenarios/validation/*.yaml, each citing its source)
 * beside the fleet model: published and simulated figures and the error of each; where a publication draws a
 * histogram of its times, its bins beside the simulated times' (and how far apart the two are).
 *
 *   npx tsx bench/validation.ts [case-name] [--test]    (--test: the test's cheaper node counts)
 */
import { loadavg } from 'node:os';
import { type Figure, histogramShares, loadValidationCases, relativeError, simulateCase, totalVariation } from './validation-cases.ts';

const args = process.argv.slice(2);
const cheap = args.includes('--test');
const only = args.find((a) => !a.startsWith('--'));
const cases = loadValidationCases().filter((c) => only === undefined || c.name === only);
const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
const histograms: string[] = [];
console.log(`| case | nodes | figure | published | simulated | error | test |`);
console.log(`|---|---|---|---|---|---|---|`);
// A small image's pull is a fraction of a second: its figures need more digits.
const seconds = (v: number) => `${v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1)} s`;
for (const c of cases) {
  const run = simulateCase(c, cheap ? c.test.nodes : c.nodes);
  for (const [figure, published] of Object.entries(c.published) as Array<[Figure, number]>) {
    const simulated = run.figures[figure];
    const error = relativeError(published, simulated);
    const held = c.test.figures.includes(figure) ? 'within 25%' : `left out: ${c.test.why ?? 'not in test.figures'}`;
    console.log(`| ${c.name} | ${run.nodes} | ${figure} | ${seconds(published)} | ${seconds(simulated)} | ${error >= 0 ? '+' : ''}${(error * 100).toFixed(0)}% | ${held} |`);
  }
  if (c.histogram !== undefined) {
    const shares = histogramShares(c.histogram, run.times);
    const bins = shares.filter((s) => s.published > 0 || s.simulated > 0);
    histograms.push(
      `\n${c.name}: its published histogram (${c.histogram.read}) beside the simulated times, ${run.nodes} nodes; total variation ${percent(totalVariation(shares))} (0: alike, 100%: disjoint)`,
      `| from | published | simulated |`,
      `|---|---|---|`,
      ...bins.map((s) => `| ${s.from} s | ${percent(s.published)} | ${percent(s.simulated)} |`),
    );
  }
  const all = Object.entries(run.figures).map(([f, v]) => `${f} ${v.toFixed(2)} s`).join(', ');
  console.error(`${c.name}: ${run.nodes} nodes (${all}), ${run.cpuSeconds.toFixed(1)} s CPU, load ${loadavg()[0]!.toFixed(1)}`);
}
for (const line of histograms) console.log(line);
