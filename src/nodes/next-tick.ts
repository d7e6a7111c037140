import { performance } from 'node:perf_hooks';
import { nextTickAfter } from '../core/ticker.ts';

/**
 * Waits for the next tick of a clock that ticks every `seconds` from `originMs` (performance.now() time), as
 * code polled by a ticker waits: ctr's Fetch returns at its progress display's next 100 ms tick
 * (runtime-emulation.ts, unpackTickSeconds). None when `seconds` is 0.
 */
export async function nextTick(originMs: number, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const at = nextTickAfter(originMs, performance.now(), seconds * 1000);
  // A timer counts from the event loop's cached clock, which a busy loop leaves behind performance.now(), so it
  // can fire that much early (a CI run: 1.2 ms before the tick); a ticker never does: wait out what is left.
  for (let now = performance.now(); now < at; now = performance.now()) await new Promise((resolve) => setTimeout(resolve, at - now));
}
