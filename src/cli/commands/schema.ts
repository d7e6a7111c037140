import type { CommandModule } from 'yargs';
import { writeFileAtomic } from '../../core/atomic-file.ts';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { assertOutputFile } from '../../core/output-contract.ts';
import { scenarioJsonSchema } from '../../scenario/json-schema.ts';

export interface SchemaArgs {
  out?: string;
}

export const schemaCommand: Pick<CommandModule<object, SchemaArgs>, 'handler'> = {
  handler: async (argv) => {
    const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    if (argv.out === undefined) {
      process.stdout.write(text);
      return;
    }
    await assertOutputFile(argv.out, '--out');
    try {
      await writeFileAtomic(argv.out, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ShipbenchError('output-unwritable', `cannot write ${argv.out} (${code ?? String(error)})`, {
        hint: code === 'ENOENT' ? 'create its directory first' : 'choose a path you can write, or print to stdout and redirect',
        exitCode: ExitCode.usage,
        cause: error,
      });
    }
    process.stdout.write(`wrote ${argv.out}\n`);
  },
};
