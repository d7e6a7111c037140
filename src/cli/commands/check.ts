import type { CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { checkOutputFile, writeOutputFile } from '../../core/output-file.ts';
import { checkBudgets } from '../../report/budget-verdicts.ts';
import { checkJunit } from '../../report/check-junit.ts';
import { checkMarkdown } from '../../report/check-markdown.ts';
import { CHECK_SCHEMA_VERSION, type CheckReport } from '../../report/check-report.ts';
import { loadBudgetsFile } from '../../scenario/budgets-load.ts';
import { readCheckSource, type SourceOptions } from '../check-source.ts';
import { renderCheck } from '../check-text.ts';
import { registryTimeoutFlags as checkTimeouts } from '../registry-timeout-flags.ts';
import { redactText, registerSecret } from '../../core/secret-redaction.ts';

export interface CheckArgs {
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
  'connect-timeout': string | undefined;
  'idle-timeout': string | undefined;
  force: boolean;
}

export const checkCommand: Pick<CommandModule<object, CheckArgs>, 'handler'> = {
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
        timeouts: checkTimeouts(argv['connect-timeout'], argv['idle-timeout']),
        platform: { os, architecture },
      },
      estimateGzipLevel: argv['gzip-level'],
      acceptReport: false,
    };
    // Output files and budgets first: a mistake in them should not cost a multi-GB read.
    for (const option of ['markdown', 'junit', 'json'] as const) if (argv[option] !== undefined) await checkOutputFile(argv[option], `--${option}`);
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
    const verdicts = checkBudgets(budgets, current.measurements, baseline?.measurements, argv.budgets ?? argv.source, argv.baseline);
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
    if (argv.markdown !== undefined) await writeOutputFile(argv.markdown, redactText(checkMarkdown(report)), '--markdown');
    if (argv.junit !== undefined) await writeOutputFile(argv.junit, redactText(checkJunit(report)), '--junit');
    if (argv.json !== undefined) await writeOutputFile(argv.json, redactText(`${JSON.stringify(report, null, 1)}\n`), '--json');
    process.stdout.write(redactText(renderCheck(report)));
    if (!report.passed) process.exitCode = ExitCode.budgetFailed;
  },
};
