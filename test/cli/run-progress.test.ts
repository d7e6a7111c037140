import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import { runProgressPrinter, type RunProgressEvent } from '../../src/cli/run-progress.ts';

/** A write stream stand-in that records text; progress only needs `write` and `isTTY`. */
function capture(isTTY: boolean) {
  let text = '';
  const stream = { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const sample = (node: string, error?: string): NodeStepSample => ({
  node, step: 'initial', strategy: 'monolithic', repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: 1, layers: [],
  bytesDownloaded: 1024 * 1024, bytesWrittenToDisk: 0, filesWritten: 0, ...(error === undefined ? {} : { error }),
});
const stepDone = { type: 'step-done', result: { makespanSeconds: 2.5, bytesDownloaded: 4 * 1024 * 1024 } as StepResult } as const;

function play(print: (e: RunProgressEvent) => void, clock: { t: number }) {
  print({ type: 'push', strategy: 'monolithic', done: 1, total: 2, bytesUp: 10 });
  print({ type: 'push', strategy: 'monolithic', done: 2, total: 2, bytesUp: 20 });
  print({ type: 'step-start', strategy: 'monolithic', step: 'initial', repeat: 0, warmup: false, nodes: 4 });
  for (const n of ['a', 'b', 'c']) {
    clock.t += 3000;
    print({ type: 'node-done', sample: sample(n) });
  }
  print({ type: 'node-done', sample: sample('d', 'registry gone') });
  print(stepDone);
}

describe('run progress', () => {
  it('draws rewriting bars on a terminal: images pushed, nodes done and bytes', () => {
    const out = capture(true);
    const clock = { t: 0 };
    play(runProgressPrinter({ stream: out.stream, now: () => clock.t }), clock);
    assert.ok(out.text().includes('\r\u001b[Kpush [############............] 1/2 images'), out.text());
    assert.ok(out.text().includes('\r\u001b[Kpull monolithic initial repeat 0 [##################......] 3/4 nodes, 3.00 MiB'), out.text());
    assert.match(out.text(), /d failed: registry gone\n/);
    assert.match(out.text(), /done in 2\.50 s, 4\.00 MiB downloaded\n$/);
  });

  it('writes plain lines at most once per interval when not a terminal', () => {
    const out = capture(false);
    const clock = { t: 0 };
    play(runProgressPrinter({ stream: out.stream, now: () => clock.t, plainIntervalSeconds: 5 }), clock);
    assert.doesNotMatch(out.text(), /\r|\[#/);
    assert.deepEqual(out.text().trimEnd().split('\n'), [
      'push: 2 images, 20 B up',
      'monolithic initial repeat 0: 4 nodes',
      '  2/4 nodes, 2.00 MiB',
      '  d failed: registry gone',
      '  done in 2.50 s, 4.00 MiB downloaded',
    ]);
  });

  it('prints only failures when quiet', () => {
    const out = capture(false);
    const clock = { t: 0 };
    play(runProgressPrinter({ stream: out.stream, quiet: true, now: () => clock.t }), clock);
    assert.equal(out.text(), '  d failed: registry gone\n');
  });
});
