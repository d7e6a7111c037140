#!/usr/bin/env -S node --max-semi-space-size=64 --initial-old-space-size=128
// The flags above. A fleet simulation keeps thousands of transfers alive across events, and with V8's default
// young generation (16 MB) every scavenge copies them again: bench/fleet-model.ts's direct case at 10,000
// nodes, in a fresh process, took 65 to 73 scavenges, 1.1 s of pauses and 9.1 to 9.6 CPU-s, and at 64 MB 28,
// 0.65 s and 8.1 to 8.4 (session 39; a 2,400-node simulate of the Wikimedia fleet no longer gains from it).
// V8 sizes the old generation's limit from what survived the last mark-compact (17-20 MB here, limits 41-51
// MB), and a virtual node's pull promotes enough (buffers, per-file state) to start marking again every
// 0.1-0.2 s: 71 mark-compacts in six MediaWiki pulls, 5 with the old generation starting at 128 MB
// (bench/runtime-fidelity.ts: about a fifth less CPU per pull).
// src/cli/cli-heap-flags.ts lists them for sweep points and benches, whichever way those start.
// Runs the bundle that set-up builds (dist/shipbench.mjs) when it is newer than every source file, else the
// TypeScript sources through tsx. The bundle starts faster and spares each run tsx's in-process compiler
// (about 80 MB of resident memory); the fallback means an edited source is never run stale.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/shipbench.mjs', import.meta.url);
const sources = fileURLToPath(new URL('../src/', import.meta.url));

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= newestMtimeMs(sources);
  } catch {
    return false;
  }
}

// Re-executed by a virtual node emulating dockerd to untar one layer (src/nodes/untar-in-child.ts), as dockerd
// re-executes itself as docker-untar: like moby's reexec.Init() at the top of dockerd's main, the request is
// served before the CLI loads anything, so the child pays for the applier's modules only.
const untarRequest = process.env.SHIPBENCH_UNTAR_CHILD;
if (bundleIsFresh()) {
  if (untarRequest === undefined) await import(bundle.href);
  else await (await import(new URL('../dist/untar-child.mjs', import.meta.url).href)).serveUntarChild(untarRequest);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  if (untarRequest === undefined) await import('../src/cli/main.ts');
  else await (await import('../src/nodes/untar-child.ts')).serveUntarChild(untarRequest);
}
