import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { comparisonCaveats } from '../../src/report/comparison-caveats.ts';
import { renderMarkdownReport } from '../../src/report/markdown-report.ts';
import { type RunResults, runResultsSchema } from '../../src/report/results.ts';

const GOLDEN = join(import.meta.dirname, '../../fixtures/reports/tiny-run.json');
const golden = async (): Promise<RunResults> => runResultsSchema.parse(JSON.parse(await readFile(GOLDEN, 'utf8')));
const synthetic = { kind: 'synthetic', location: 'preset mediawiki-multiversion', detail: 'seed 1, scale 0.01' } as const;
const git = (digest: string) => ({ kind: 'git', location: '/src/mw', detail: 'v1 @ 0123456789ab, v2 @ 89abcdef0123', digest }) as const;

describe('the content source in reports and comparisons', () => {
  it('names it in the report headline', async () => {
    const results = { ...(await golden()), content: git('sha256:aa') };
    const md = renderMarkdownReport(results);
    assert.match(md, /Content: `git \/src\/mw \(v1 @ 0123456789ab, v2 @ 89abcdef0123\), sha256:aa`\./);
  });

  it('warns when two results were measured on different sources or on a source that changed', async () => {
    const base = await golden();
    const caveat = (a: RunResults['content'], b: RunResults['content']) => comparisonCaveats({ ...base, content: a }, { ...base, content: b }).map((c) => c.message).join('\n');
    assert.match(caveat(synthetic, git('sha256:aa')), /different content sources: A synthetic preset mediawiki-multiversion .*; B git \/src\/mw/);
    assert.match(caveat(git('sha256:aa'), git('sha256:bb')), /different content sources/);
    assert.equal(caveat(git('sha256:aa'), git('sha256:aa')), '');
    assert.equal(caveat(synthetic, synthetic), '');
    assert.equal(caveat(undefined, git('sha256:aa')), '', 'results from before content was recorded say nothing');
  });
});
