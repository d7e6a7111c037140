import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import type { CheckArgs } from './check.ts';

/**
 * `shipbench check`: its command line, loaded at start (for --help and parsing). The handler loads check.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const checkCommandLine: CommandModule<object, CheckArgs> = {
  command: 'check <source>',
  describe: 'Hold an image (or a run\'s results) to budgets: sizes, layers, waste, per-deploy download, p99 and makespan; exit 3 when one fails',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('source', {
        describe: 'a scenario (.yaml), an OCI layout dir (or a generate output dir), a docker-archive tarball, a registry image (http://HOST:PORT/REPO:TAG, docker://HOST/REPO:TAG), or a results.json',
        type: 'string',
        demandOption: true,
      })
      .option('budgets', { alias: 'b', describe: 'budgets file (YAML); a scenario source may carry its own budgets: section instead', type: 'string' })
      .option('baseline', { describe: 'what growth budgets compare against: a `check --json` file, or any source as above', type: 'string' })
      .option('markdown', { describe: 'also write a Markdown report (for a PR comment or a Phabricator task) to FILE', type: 'string' })
      .option('junit', { describe: 'also write JUnit XML (one test case per budget and figure) to FILE', type: 'string' })
      .option('json', { describe: 'also write figures and verdicts as JSON to FILE (usable as a later --baseline)', type: 'string' })
      .option('out', { alias: 'o', describe: 'where a scenario\'s images are generated [default: reports/<scenario>/images]', type: 'string' })
      .option('force', FORCE_OPTION)
      .option('username', { describe: 'registry user [env SHIPBENCH_REGISTRY_USERNAME]', type: 'string' })
      .option('password', { describe: 'registry password [env SHIPBENCH_REGISTRY_PASSWORD; prefer it: arguments show in ps]', type: 'string' })
      .option('tls-verify', { describe: 'verify the registry\'s TLS certificate', type: 'boolean', default: true })
      .option('platform', { describe: 'which image of a multi-platform index to check', type: 'string', default: 'linux/amd64' })
      .option('connect-timeout', { describe: 'longest wait for a connection to a registry source [default: 10s]', type: 'string' })
      .option('idle-timeout', { describe: 'longest wait for a registry\'s answer, and between two chunks of it [default: 30s]', type: 'string' })
      .option('gzip-level', { describe: 'gzip level that estimates compressed sizes of a docker-archive\'s uncompressed layers [default: 6]', type: 'number' })
      .example('$0 check scenarios/quickstart.yaml --budgets budgets.yaml', 'generate (or reuse) and check every strategy')
      .example('$0 check image.tar --budgets budgets.yaml --baseline main-check.json --markdown comment.md --junit junit.xml', 'a `docker save` tarball against main\'s figures')
      .example('$0 check http://127.0.0.1:5000/mediawiki:v2 --budgets budgets.yaml --baseline http://127.0.0.1:5000/mediawiki:v1', 'two images in a registry')
      .example('$0 check reports/run/results.json --budgets thresholds.yaml', 'thresholds on a run\'s (or a simulation\'s) results')
      .epilog('Exit codes: 0 every budget holds, 3 a budget failed (what grew, and by how much, is printed), 2 bad input (budgets, source, or a budget that matches no figure).'),
  handler: async (argv) => (await import('./check.ts')).checkCommand.handler(argv),
};
