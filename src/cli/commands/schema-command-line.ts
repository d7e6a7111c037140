import type { Argv, CommandModule } from 'yargs';
import type { SchemaArgs } from './schema.ts';

/**
 * `shipbench schema`: its command line, loaded at start (for --help and parsing). The handler loads schema.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const schemaCommandLine: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: 'Print the JSON Schema of scenario files, for editors and other tools',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('out', { alias: 'o', type: 'string', describe: 'write the schema to this file instead of stdout' })
      .example('$0 schema --out scenario.schema.json', 'write the schema to a file')
      .example('$0 schema > scenario.schema.json', 'the same, through stdout')
      .epilog('Point an editor at it with a first line `# yaml-language-server: $schema=scenario.schema.json` in a scenario file.'),
  handler: async (argv) => (await import('./schema.ts')).schemaCommand.handler(argv),
};
