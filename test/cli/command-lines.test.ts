import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const COMMANDS = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));

/**
 * The CLI starts with every command's command line loaded and no handler: `--help` and `validate` should not
 * pay for `run`'s modules. So a `*-command-line.ts` file imports types only (erased at build), apart from
 * core/errors for option checks and the `--force` option (a constant), and reaches its handler through a dynamic import.
 */
describe('command lines load no handler', () => {
  const files = readdirSync(COMMANDS).filter((f) => f.endsWith('-command-line.ts'));
  const handlers = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts') && !f.endsWith('-command-line.ts') && f !== 'index.ts');

  it('every command has a command line and a handler file', () => {
    assert.deepEqual(files.map((f) => f.replace('-command-line.ts', '.ts')).sort(), handlers.sort());
  });

  for (const file of files) {
    it(file, () => {
      const source = readFileSync(join(COMMANDS, file), 'utf8');
      const valueImports = [...source.matchAll(/^import (?!type )[^;]*from '([^']+)';$/gm)].map((m) => m[1]);
      assert.deepEqual(valueImports.filter((from) => from !== '../../core/errors.ts' && from !== '../force-option.ts'), [], 'value imports load their modules at start');
      const handler = file.replace('-command-line.ts', '.ts');
      assert.match(source, new RegExp(`handler: async \\(argv\\) => \\(await import\\('\\./${handler.replace('.', '\\.')}'\\)\\)\\.\\w+\\.handler\\(argv\\)`));
    });
  }
});
