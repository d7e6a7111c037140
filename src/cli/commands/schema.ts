import { writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { assertOutputFile } from '../../core/output-contract.ts';
import { scenarioJsonSchema } from '../../scenario/json-schema.ts';

interface SchemaArgs {
  out?: string;
}

export const schemaCommand: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: 'Print the JSON Schema of scenario files, for editors and other tools',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('out', { alias: 'o', type: 'string', describe: 'write the schema to this file instead of stdout' })
      .example('$0 schema --out scenario.schema.json', 'write the schema to a file')
      .example('$0 schema > scenario.schema.json', 'the same, through stdout')
      .epilog('Point an editor at it with a first line `# yaml-language-server: $schema=scenario.schema.json` in a scenario file.'),
  handler: async (argv) => {
    const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    if (argv.out === undefined) {
      process.stdout.write(text);
      return;
    }
    await assertOutputFile(argv.out, '--out');
    try {
      await writeFile(argv.out, text);
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
