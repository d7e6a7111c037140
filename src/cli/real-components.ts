import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ResolvedScenario } from '../scenario/resolved.ts';

const run = promisify(execFile);

/** A real program shipbench drives, how to ask its version, and how to install it on Debian. */
export interface RealComponent {
  readonly command: string;
  readonly role: string;
  readonly versionArgs: readonly string[];
  readonly debianPackage: string;
}

const REGISTRY: RealComponent = { command: 'docker-registry', role: 'embedded CNCF distribution registry', versionArgs: ['--version'], debianPackage: 'docker-registry' };
const RSYNC: RealComponent = { command: 'rsync', role: 'volume side: master and proxy daemons, node syncs', versionArgs: ['--version'], debianPackage: 'rsync' };
const SKOPEO: RealComponent = { command: 'skopeo', role: 'peer that judges images and pulls (tests, benches)', versionArgs: ['--version'], debianPackage: 'skopeo' };
const UMOCI: RealComponent = { command: 'umoci', role: 'peer that unpacks images (tests)', versionArgs: ['--version'], debianPackage: 'umoci' };
const PIGZ: RealComponent = { command: 'pigz', role: 'peer compressor (benches)', versionArgs: ['--version'], debianPackage: 'pigz' };
const FIO: RealComponent = { command: 'fio', role: 'the fio neighbour (and the neighbour tests\' disk aggressor)', versionArgs: ['--version'], debianPackage: 'fio' };
// An npm package, not a program: checked by loading it (see checkComponent); `npm ci` installs it.
const AUTOCANNON: RealComponent = { command: 'autocannon', role: 'probes the http neighbour\'s capacity before its open-loop load', versionArgs: [], debianPackage: '(npm) run npm ci' };
// A shared library, not a program: checked by loading it the way the gzip workers do (see checkComponent).
const LIBDEFLATE: RealComponent = { command: 'libdeflate.so.0', role: 'gzip engine of generate (the default; zlib is the other)', versionArgs: [], debianPackage: 'libdeflate0' };
const DOCKERD: RealComponent = { command: 'dockerd', role: 'Docker Engine of docker nodes', versionArgs: ['--version'], debianPackage: 'docker.io' };
const CONTAINERD: RealComponent = { command: 'containerd', role: 'containerd of containerd nodes', versionArgs: ['--version'], debianPackage: 'containerd' };
const CTR: RealComponent = { command: 'ctr', role: 'drives containerd nodes', versionArgs: ['--version'], debianPackage: 'containerd' };

/** The components a scenario needs to run, plus the peers the tests and benches use. */
export function componentsFor(scenario: ResolvedScenario | undefined): Array<{ component: RealComponent; neededToRun: boolean }> {
  const embedded = scenario === undefined || scenario.registry.kind === 'embedded';
  return [
    { component: REGISTRY, neededToRun: embedded },
    { component: LIBDEFLATE, neededToRun: scenario === undefined || (scenario.image.compression.kind === 'gzip' && scenario.image.compression.engine === 'libdeflate') },
    // `run` measures the volume side by default, so rsync is needed for any scenario.
    { component: RSYNC, neededToRun: true },
    { component: SKOPEO, neededToRun: false },
    { component: UMOCI, neededToRun: false },
    { component: PIGZ, neededToRun: false },
    { component: FIO, neededToRun: scenario?.neighbours?.workloads.some((w) => w.kind === 'fio') ?? false },
    { component: AUTOCANNON, neededToRun: scenario?.neighbours?.workloads.some((w) => w.kind === 'http') ?? false },
    // Remote fleet.hosts bring their own engines; shipbench starts one per node otherwise.
    { component: DOCKERD, neededToRun: scenario !== undefined && scenario.fleet.hosts.length === 0 && scenario.fleet.backends.includes('docker') },
    { component: CONTAINERD, neededToRun: scenario !== undefined && scenario.fleet.backends.includes('containerd') },
    { component: CTR, neededToRun: scenario !== undefined && scenario.fleet.backends.includes('containerd') },
  ];
}

export interface ComponentStatus {
  readonly component: RealComponent;
  readonly found: boolean;
  readonly version: string | undefined;
}

export async function checkComponent(component: RealComponent): Promise<ComponentStatus> {
  if (component === AUTOCANNON) return checkAutocannon();
  if (component === LIBDEFLATE) return checkLibdeflate();
  try {
    const { stdout, stderr } = await run(component.command, [...component.versionArgs], { timeout: 10_000 });
    const version = `${stdout}${stderr}`.trim().split('\n')[0];
    return { component, found: true, version };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A program that exists but answers --version oddly is still there.
    return { component, found: code !== 'ENOENT', version: undefined };
  }
}

async function checkLibdeflate(): Promise<ComponentStatus> {
  try {
    const koffi = (await import('koffi')).default;
    koffi.load(LIBDEFLATE.command).unload();
  } catch {
    return { component: LIBDEFLATE, found: false, version: undefined };
  }
  const version = await run('dpkg-query', ['-W', '-f', '${Version}', LIBDEFLATE.debianPackage], { timeout: 10_000 }).then(
    ({ stdout }) => `libdeflate ${stdout.trim()}`,
    () => undefined,
  );
  return { component: LIBDEFLATE, found: true, version };
}

async function checkAutocannon(): Promise<ComponentStatus> {
  try {
    const pkg = (await import('autocannon/package.json', { with: { type: 'json' } })) as { default: { version: string } };
    return { component: AUTOCANNON, found: true, version: `autocannon ${pkg.default.version}` };
  } catch {
    return { component: AUTOCANNON, found: false, version: undefined };
  }
}
