import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CLI_HEAP_FLAGS } from '../src/cli/cli-heap-flags.ts';

const BUNDLED = 'SHIPBENCH_BENCH_BUNDLED';

/**
 * Runs the calling bench as the CLI runs shipbench: its sources bundled by esbuild (as scripts/build-bundle.sh
 * bundles the CLI) and started by node with bin/shipbench.js's V8 flags, not through tsx. tsx keeps every
 * function's name by wrapping each closure as it is created (`__name`), which on the fleet model's hot paths
 * cost a fifth of the CPU (P2P at 10,000 nodes: 31 CPU-s under tsx, 25.6 bundled), so a bench under tsx times
 * something slower than what users run. Returns the bundled run's exit code, or undefined when this already is
 * the bundled run (go on with the bench). Packages stay external, so the bundle is written beside them.
 */
export async function rerunBundled(entryUrl: string): Promise<number | undefined> {
  if (process.env[BUNDLED] === '1') return undefined;
  const entry = fileURLToPath(entryUrl);
  const outfile = fileURLToPath(new URL(`../node_modules/.cache/shipbench-bench/${entry.split('/').pop()!.replace(/\.ts$/, '.mjs')}`, import.meta.url));
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  const run = spawnSync(process.execPath, [...CLI_HEAP_FLAGS, outfile, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, [BUNDLED]: '1' } });
  return run.status ?? 1;
}
