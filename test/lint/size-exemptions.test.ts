import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// eslint enforces the size rule (eslint.config.js); this holds the one way out of it to its form: a file over
// 400 lines says why on its first line, and no function is exempt.
const SRC = new URL('../../src/', import.meta.url).pathname;
const EXEMPTION = /^\/\* eslint-disable max-lines -- (.+) \*\/$/;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

describe('size rule exemptions in src/', () => {
  it('a max-lines exemption is the first line and gives a reason; max-lines-per-function is never disabled', async () => {
    const problems: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (/eslint-disable(-next-line|-line)?\s+[^*]*max-lines-per-function/.test(line)) problems.push(`${file}:${i + 1}: max-lines-per-function is disabled: split the function instead`);
        else if (/eslint-disable(-next-line|-line)?\s+[^*]*max-lines\b/.test(line)) {
          const reason = EXEMPTION.exec(line)?.[1];
          if (i !== 0 || reason === undefined || reason.trim().length < 20) problems.push(`${file}:${i + 1}: write it as the first line: /* eslint-disable max-lines -- why this file is one concept */`);
        }
      });
    }
    assert.deepEqual(problems, []);
  });
});
