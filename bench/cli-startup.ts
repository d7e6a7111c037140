/**
 * How fast does the CLI start? `shipbench --help` and `shipbench validate FIXTURE` from the bundle, against
 * two peers timed in the same run: `node -e 0` (the floor: Node itself) and the same sources bundled into one
 * file without code splitting (every command's modules evaluated at start, as before commands loaded per
 * command). Target (issue 17): both under 0.3 s on a quiet machine. Each command runs RUNS times (default 15),
 * interleaved, and the median is printed with its ratio to the floor; CPU seconds (user + system, from GNU
 * time when present) beside wall time, since on a shared machine wall time also counts other processes' turns.
 *
 *   npx tsx bench/cli-startup.ts            (RUNS=30 npx tsx bench/cli-startup.ts for steadier medians)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 15);
const FIXTURE = 'fixtures/scenarios/valid/tiny-run.yaml';
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// Built inside the repository so the bundles resolve node_modules as dist/ does.
const work = mkdtempSync(join(ROOT, '.bench-startup-'));
try {
  execFileSync('bash', ['scripts/build-bundle.sh', join(work, 'split')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
    ['src/cli/main.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${join(work, 'single/shipbench.mjs')}`, '--log-level=warning'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const split = join(work, 'split/shipbench.mjs');
  const single = join(work, 'single/shipbench.mjs');

  const cases: Array<{ name: string; args: string[] }> = [
    { name: 'node -e 0 (floor)', args: ['-e', '0'] },
    { name: '--help (split bundle)', args: [split, '--help'] },
    { name: '--help (single-file bundle)', args: [single, '--help'] },
    { name: 'validate (split bundle)', args: [split, 'validate', FIXTURE] },
    { name: 'validate (single-file bundle)', args: [single, 'validate', FIXTURE] },
  ];
  const samples = new Map(cases.map((c) => [c.name, { wall: [] as number[], cpu: [] as number[] }]));

  const once = (args: string[]): { wall: number; cpu: number | undefined } => {
    const command = GNU_TIME === undefined ? process.execPath : GNU_TIME;
    const argv = GNU_TIME === undefined ? args : ['-f', 'cpu %U %S', process.execPath, ...args];
    const t0 = performance.now();
    const result = spawnSync(command, argv, { cwd: ROOT, encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
    return { wall, cpu: cpu === null ? undefined : Number(cpu[1]) + Number(cpu[2]) };
  };
  for (const c of cases) once(c.args); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    for (const c of cases) {
      const { wall, cpu } = once(c.args);
      const s = samples.get(c.name)!;
      s.wall.push(wall);
      if (cpu !== undefined) s.cpu.push(cpu);
    }
  }

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  };
  const floor = samples.get(cases[0]!.name)!;
  const floorWall = median(floor.wall);
  const floorCpu = median(floor.cpu);
  console.log(`median of ${RUNS} runs each, interleaved; ratio = over node -e 0`);
  for (const c of cases) {
    const s = samples.get(c.name)!;
    const wall = median(s.wall);
    const cpu = median(s.cpu);
    const cpuText = Number.isNaN(cpu) ? '' : `, ${cpu.toFixed(3)} s CPU (x${(cpu / floorCpu).toFixed(1)})`;
    const target = c.name.includes('split') ? (wall < 0.3 ? '  [under the 0.3 s target]' : '  [above the 0.3 s target]') : '';
    console.log(`${c.name.padEnd(30)} ${wall.toFixed(3)} s wall (x${(wall / floorWall).toFixed(1)})${cpuText}${target}`);
  }
  for (const what of ['--help', 'validate']) {
    const a = median(samples.get(`${what} (single-file bundle)`)!.wall);
    const b = median(samples.get(`${what} (split bundle)`)!.wall);
    console.log(`${what}: the split bundle takes ${(b / a).toFixed(2)} of the single file's wall time (${((b - floorWall) / (a - floorWall)).toFixed(2)} above the floor)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
