import { writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { checkBudgets } from '../../report/budget-verdicts.ts';
import { checkJunit } from '../../report/check-junit.ts';
import { checkMarkdown } from '../../report/check-markdown.ts';
import { CHECK_SCHEMA_VERSION, type CheckReport } from '../../report/check-report.ts';
import { loadBudgetsFile } from '../../scenario/budgets-load.ts';
import { readCheckSource, type SourceOptions } from '../check-source.ts';
import { renderCheck } from '../check-text.ts';
import { FORCE_DESCRIPTION } from '../default-paths.ts';
import { assertOutputFile } from '../../core/output-contract.ts';
import { redactText, registerSecret } from '../../core/secret-redaction.ts';

interface CheckArgs {
  source: string;
  budgets: string | undefined;
  baseline: string | undefined;
  markdown: string | undefined;
  junit: string | undefined;
  json: string | undefined;
  out: string | undefined;
  username: string | undefined;
  password: string | undefined;
  'tls-verify': boolean;
  platform: string;
  'gzip-level': number | undefined;
  force: boolean;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
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
      .option('force', { describe: FORCE_DESCRIPTION, type: 'boolean', default: false })
      .option('username', { describe: 'registry user [env SHIPBENCH_REGISTRY_USERNAME]', type: 'string' })
      .option('password', { describe: 'registry password [env SHIPBENCH_REGISTRY_PASSWORD; prefer it: arguments show in ps]', type: 'string' })
      .option('tls-verify', { describe: 'verify the registry\'s TLS certificate', type: 'boolean', default: true })
      .option('platform', { describe: 'which image of a multi-platform index to check', type: 'string', default: 'linux/amd64' })
      .option('gzip-level', { describe: 'gzip level that estimates compressed sizes of a docker-archive\'s uncompressed layers [default: 6]', type: 'number' })
      .example('$0 check scenarios/quickstart.yaml --budgets budgets.yaml', 'generate (or reuse) and check every strategy')
      .example('$0 check image.tar --budgets budgets.yaml --baseline main-check.json --markdown comment.md --junit junit.xml', 'a `docker save` tarball against main\'s figures')
      .example('$0 check http://127.0.0.1:5000/mediawiki:v2 --budgets budgets.yaml --baseline http://127.0.0.1:5000/mediawiki:v1', 'two images in a registry')
      .example('$0 check reports/run/results.json --budgets thresholds.yaml', 'thresholds on a run\'s (or a simulation\'s) results')
      .epilog('Exit codes: 0 every budget holds, 3 a budget failed (what grew, and by how much, is printed), 2 bad input (budgets, source, or a budget that matches no figure).'),
  handler: async (argv) => {
    const [os, architecture] = argv.platform.split('/');
    if (os === undefined || architecture === undefined || os === '' || architecture === '') {
      throw new ShipbenchError('usage', `--platform ${argv.platform} is not OS/ARCH`, { hint: 'e.g. --platform linux/amd64' });
    }
    if (argv['gzip-level'] !== undefined && !(Number.isInteger(argv['gzip-level']) && argv['gzip-level'] >= 1 && argv['gzip-level'] <= 9)) {
      throw new ShipbenchError('usage', `--gzip-level ${argv['gzip-level']} is not 1 to 9`, { hint: '6 is what Docker and Go use by default' });
    }
    const username = argv.username ?? process.env.SHIPBENCH_REGISTRY_USERNAME;
    const password = argv.password ?? process.env.SHIPBENCH_REGISTRY_PASSWORD;
    if ((username === undefined) !== (password === undefined)) {
      throw new ShipbenchError('usage', 'registry credentials need both a username and a password', { hint: 'set SHIPBENCH_REGISTRY_USERNAME and SHIPBENCH_REGISTRY_PASSWORD (or --username and --password)' });
    }
    if (password !== undefined) registerSecret(password);
    const options: SourceOptions = {
      out: argv.out,
      force: argv.force,
      registry: {
        ...(username === undefined || password === undefined ? {} : { auth: { username, password } }),
        tlsVerify: argv['tls-verify'],
        platform: { os, architecture },
      },
      estimateGzipLevel: argv['gzip-level'],
      acceptReport: false,
    };
    // Report files the user named are checked before any work (a directory, a missing parent).
    if (argv.markdown !== undefined) await assertOutputFile(argv.markdown, '--markdown');
    if (argv.junit !== undefined) await assertOutputFile(argv.junit, '--junit');
    if (argv.json !== undefined) await assertOutputFile(argv.json, '--json');
    // Budgets first: a mistake in them should not cost a multi-GB read.
    const fileBudgets = argv.budgets === undefined ? undefined : await loadBudgetsFile(argv.budgets);
    const current = await readCheckSource(argv.source, options);
    const budgets = fileBudgets ?? current.budgets;
    if (budgets.length === 0) {
      throw new ShipbenchError('no-budgets', `no budgets to check ${argv.source} against`, { hint: 'pass --budgets FILE, or give a scenario with a budgets: section' });
    }
    const baseline = argv.baseline === undefined ? undefined : await readCheckSource(argv.baseline, { ...options, out: undefined, acceptReport: true });
    if (baseline === undefined && budgets.some((b) => b.growth !== undefined)) {
      process.stderr.write('note: no --baseline, so growth budgets are not judged (only max: and min: are)\n');
    }
    const verdicts = checkBudgets(budgets, current.measurements, baseline?.measurements, argv.budgets ?? argv.source);
    const report: CheckReport = {
      schema: CHECK_SCHEMA_VERSION,
      source: { kind: current.kind, location: current.location },
      ...(baseline === undefined ? {} : { baseline: { kind: baseline.kind, location: baseline.location } }),
      ...(current.compressedEstimatedAtGzipLevel === undefined ? {} : { compressedEstimatedAtGzipLevel: current.compressedEstimatedAtGzipLevel }),
      passed: verdicts.every((v) => v.pass),
      measurements: current.measurements,
      verdicts: verdicts.map(({ name, before, failures, ...rest }) => ({ ...rest, failures: [...failures], ...(name === undefined ? {} : { name }), ...(before === undefined ? {} : { before }) })),
    };
    // A source or baseline given as http://user:pass@host/... names the registry, not its password.
    if (argv.markdown !== undefined) await writeFile(argv.markdown, redactText(checkMarkdown(report)));
    if (argv.junit !== undefined) await writeFile(argv.junit, redactText(checkJunit(report)));
    if (argv.json !== undefined) await writeFile(argv.json, redactText(`${JSON.stringify(report, null, 1)}\n`));
    process.stdout.write(redactText(renderCheck(report)));
    if (!report.passed) process.exitCode = ExitCode.budgetFailed;
  },
};
