import { parseSeconds, parseShare } from '../core/units.ts';
import type { ModelInput } from './model-schema.ts';
import type { ResolvedDatacentre, ResolvedModel, ResolvedRelease } from './model-resolved.ts';
import { countOrShare, type ReleaseInput } from './rollout-schema.ts';

export const ROLLOUT_DEFAULTS = {
  /** Kubernetes' defaults for a Deployment's rolling update (apps/v1: 25% and 25%). */
  maxSurge: '25%',
  maxUnavailable: '25%',
  /**
   * Kubernetes' default readiness probe period. The MediaWiki chart's httpd sidecar probes /healthz with no
   * period of its own (operations/deployment-charts, charts/mediawiki/templates/sidecars/httpd/container.yaml.tpl).
   */
  readinessPeriod: '10s',
  /**
   * An assumption: a MediaWiki pod is ready when httpd answers /healthz through php-fpm and the mesh's envoy has
   * loaded its listeners, a second or so after the containers run. Calibrate it from a real rollout's pod events.
   */
  warmup: '1s',
  /** helm's default --timeout (5m0s): how long `helm upgrade --wait` waits for a release's pods. */
  timeout: '5m',
  /**
   * scap's canary_wait_time (scap/config.py: 20): after a stage is deployed (k8s releases and bare-metal syncs
   * alike), scap waits this long for traffic, then checks the stage's error rate in logstash before the next.
   */
  canaryWait: '20s',
  /** scap's ssh.Job batch (scap/ssh.py DEFAULT_BATCH_SIZE), which its pre-pull job runs with. */
  prePullBatch: 80,
} as const;

type RolloutInput = NonNullable<ModelInput['rollout']>;

/** A count or a percentage of `total`, rounded up or down as Kubernetes' GetScaledValueFromIntOrPercent does. */
function scaled(value: number | string, total: number, roundUp: boolean): number {
  const parsed = countOrShare(value);
  if ('count' in parsed) return parsed.count;
  const exact = parsed.share * total;
  // A percentage that is a whole number of pods stays one, whatever the float says.
  return roundUp ? Math.ceil(exact - 1e-9) : Math.floor(exact + 1e-9);
}

/** A release's pods in one data centre: its count, or its share of the data centre's nodes (at least one). */
function replicasIn(release: ReleaseInput, dc: ResolvedDatacentre): number {
  const parsed = countOrShare(release.replicas);
  return 'count' in parsed ? parsed.count : Math.max(1, Math.round(parsed.share * dc.nodes));
}

/** Kubernetes' fenceposts (deployment util ResolveFenceposts): surge rounds up, unavailable down, never both 0. */
function resolveRelease(release: ReleaseInput, dcs: readonly ResolvedDatacentre[]): ResolvedRelease {
  const replicas = dcs.map((dc) => replicasIn(release, dc));
  const surge = replicas.map((r) => scaled(release.maxSurge ?? ROLLOUT_DEFAULTS.maxSurge, r, true));
  const unavailable = replicas.map((r, i) => {
    const u = scaled(release.maxUnavailable ?? ROLLOUT_DEFAULTS.maxUnavailable, r, false);
    return surge[i] === 0 && u === 0 ? 1 : u;
  });
  return { name: release.name, replicas, surge, unavailable };
}

export function resolveRollout(rollout: RolloutInput | undefined, dcs: readonly ResolvedDatacentre[], fleetNodes: number): ResolvedModel['rollout'] {
  return {
    prePullShare: rollout?.prePull === undefined ? 0 : parseShare(rollout.prePull),
    prePullFirst: rollout?.prePullFirst === undefined ? undefined : { share: parseShare(rollout.prePullFirst.share), batch: rollout.prePullFirst.batch ?? ROLLOUT_DEFAULTS.prePullBatch },
    concurrentDeployments: rollout?.concurrentDeployments ?? fleetNodes,
    releases: (rollout?.releases ?? []).map((r) => resolveRelease(r, dcs)),
    readinessPeriodSeconds: parseSeconds(rollout?.readinessPeriod ?? ROLLOUT_DEFAULTS.readinessPeriod),
    warmupSeconds: parseSeconds(rollout?.warmup ?? ROLLOUT_DEFAULTS.warmup),
    timeoutSeconds: parseSeconds(rollout?.timeout ?? ROLLOUT_DEFAULTS.timeout),
    canaryWaitSeconds: parseSeconds(rollout?.canaryWait ?? ROLLOUT_DEFAULTS.canaryWait),
  };
}

function isZero(value: number | string | undefined): boolean {
  if (value === undefined) return false;
  const parsed = countOrShare(value);
  return ('count' in parsed ? parsed.count : parsed.share) === 0;
}

/**
 * What a rollout's keys cannot do together: more deployments at once than nodes (node by node), two releases
 * of one name, a rolling update that may neither surge nor take a pod down (Kubernetes refuses it), and
 * releases with fewer pods than a data centre has nodes (a node without a pod would never pull the image).
 */
export function findRolloutProblems(rollout: RolloutInput | undefined, dcs: readonly ResolvedDatacentre[], fleetNodes: number): Array<{ path: Array<string | number>; message: string; hint: string }> {
  const problems: Array<{ path: Array<string | number>; message: string; hint: string }> = [];
  const releases = rollout?.releases ?? [];
  const concurrent = rollout?.concurrentDeployments;
  // With shares that do not resolve, judge against the whole fleet (their own problem is already listed).
  const largest = dcs.length === 0 ? fleetNodes : Math.max(...dcs.map((d) => d.nodes));
  if (concurrent !== undefined && releases.length === 0 && concurrent > largest) {
    problems.push({
      path: ['model', 'rollout', 'concurrentDeployments'],
      message: `${concurrent} concurrent deployments per data centre, but the largest data centre has ${largest} node${largest === 1 ? '' : 's'}`,
      hint: `use at most ${largest}, or raise fleet.nodes`,
    });
  }
  const names = new Set<string>();
  releases.forEach((release, i) => {
    if (names.has(release.name)) problems.push({ path: ['model', 'rollout', 'releases', i, 'name'], message: `release "${release.name}" is listed twice`, hint: 'give each release its own name' });
    names.add(release.name);
    if (isZero(release.maxSurge) && isZero(release.maxUnavailable)) {
      problems.push({ path: ['model', 'rollout', 'releases', i, 'maxUnavailable'], message: 'maxUnavailable and maxSurge are both 0: the rolling update could never replace a pod', hint: 'Kubernetes refuses it too; e.g. maxSurge: 3%, maxUnavailable: 6%' });
    }
  });
  if (releases.length === 0) return problems;
  for (const dc of dcs) {
    const pods = releases.reduce((n, r) => n + replicasIn(r, dc), 0);
    if (pods < dc.nodes) {
      problems.push({
        path: ['model', 'rollout', 'releases'],
        message: `the releases run ${pods} pod${pods === 1 ? '' : 's'} on data centre "${dc.name}"'s ${dc.nodes} nodes: ${dc.nodes - pods} node${dc.nodes - pods === 1 ? '' : 's'} would never pull the image`,
        hint: 'raise replicas, or give them as a share of the data centre\'s nodes (e.g. 117%) so they keep up with fleet.nodes',
      });
    }
  }
  return problems;
}
