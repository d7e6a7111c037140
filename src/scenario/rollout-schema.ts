import { z } from 'zod';
import { durationField, shareField } from './unit-fields.ts';

/** A Kubernetes IntOrString as a Deployment's rolling update takes it: a count of pods, or a percentage like 6%. */
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

const countOrPercent = (what: string, atMost100: boolean) =>
  z
    .union([z.number().int(`${what} must be a whole number of pods`).min(0, `${what} cannot be negative`), z.string().regex(PERCENT, `expected a number of pods or a percentage like 6%`)], {
      error: `expected a number of pods or a percentage like 6%`,
    })
    .superRefine((value, ctx) => {
      // Refinements run on values the union refused too: only a percentage is judged here.
      const percent = typeof value === 'string' ? PERCENT.exec(value) : null;
      if (atMost100 && percent !== null && Number(percent[1]) > 100) ctx.addIssue({ code: 'custom', message: `${what} of ${value} is more than the release's pods`, params: { hint: 'use at most 100%' } });
    });

/** A release's pods in each data centre: a count, or a share of the data centre's nodes (over 100% for several a node). */
const replicasField = () =>
  z
    .union([z.number().int('replicas must be a whole number of pods').min(1, 'a release needs at least one pod'), z.string().regex(PERCENT, 'expected a number of pods, or a share of the data centre\'s nodes like 117%')], {
      error: 'expected a number of pods, or a share of the data centre\'s nodes like 117%',
    })
    .superRefine((value, ctx) => {
      const percent = typeof value === 'string' ? PERCENT.exec(value) : null;
      if (percent !== null && !(Number(percent[1]) > 0)) ctx.addIssue({ code: 'custom', message: 'a release needs at least one pod', params: { hint: 'e.g. 117% (352 pods on 300 nodes)' } });
    });

/** Parses what the schema let through: a count, or a percentage as a fraction. */
export function countOrShare(value: number | string): { count: number } | { share: number } {
  return typeof value === 'number' ? { count: value } : { share: Number(PERCENT.exec(value)![1]) / 100 };
}

const releaseInput = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a release name is lower-case letters, digits and dashes'),
  replicas: replicasField().meta({ description: 'the release\'s pods in each data centre: a count, or a share of the data centre\'s nodes (117%: 352 pods on 300 nodes), so the release keeps up with fleet.nodes' }),
  maxSurge: countOrPercent('maxSurge', false).optional()
    .meta({ description: 'pods the rolling update creates above replicas (Kubernetes: a percentage rounds up); default 25%, Kubernetes\' own' }),
  maxUnavailable: countOrPercent('maxUnavailable', true).optional()
    .meta({ description: 'pods the rolling update takes down before their replacements are ready (a percentage rounds down); default 25%, Kubernetes\' own' }),
});

export type ReleaseInput = z.infer<typeof releaseInput>;

/** `model.rollout`: who deploys when on the image side, and what a node held beforehand. */
export const rolloutInput = z.strictObject({
  prePull: shareField().optional().meta({ description: 'share of nodes that pulled the image before the deploy' }),
  prePullFirst: z.strictObject({
    share: shareField().meta({ description: 'share of the nodes, spread through the fleet' }),
    batch: z.number({ error: 'expected a whole number of nodes' }).int('a batch is a whole number of nodes').min(1, 'a batch needs at least one node').optional()
      .meta({ description: 'nodes pulling at once (scap\'s ssh batch, 80 by default)' }),
  }).optional()
    .meta({ description: 'the deploy pulls the image on this share of the nodes first, a batch at a time, and then rolls out (scap\'s pre-pull: kubernetes.py pull_image_on_nodes); the step counts it, where prePull\'s nodes pulled before the deploy at no cost to it' }),
  concurrentDeployments: z.number({ error: 'expected a whole number of concurrent deployments' }).int('concurrent deployments must be a whole number').min(1, 'needs at least one concurrent deployment').optional()
    .meta({ description: 'at most this many Kubernetes deployments roll at once in each data centre (scap: k8s_max_concurrent_deployments_per_cluster, 20); without releases each node stands for a deployment of its own' }),
  releases: z.array(releaseInput).min(1, 'name at least one release').max(1000).optional()
    .meta({ description: 'the Deployments (helm releases) that run the image in each data centre, rolled pod by pod as Kubernetes does: a node pulls when its first new pod lands on it' }),
  readinessPeriod: durationField().optional()
    .meta({ description: 'period of a pod\'s readiness probe (releases only), counted from when the pod came to its node; kubelet also probes as the containers run; default 10s, Kubernetes\' default periodSeconds; 0s: ready as soon as the application answers' }),
  timeout: durationField().optional()
    .meta({ description: 'helm\'s --timeout for a release (releases only): a release still rolling after it fails (results flag it); default 5m, helm\'s own' }),
  canaryWait: durationField().optional()
    .meta({ description: 'after each rollout stage but the last (fleet.rollout.stages: canaries), both sides wait this long for traffic before scap\'s error-rate check lets the next stage start, and the volume side waits it again before production\'s l10n rebuild and php-fpm restarts (scap\'s canary_wait_time); default 20s, scap\'s own; 0s: no wait' }),
  warmup: durationField().optional()
    .meta({ description: 'time from a pod\'s containers running to its readiness probe passing (the application and its sidecars up; releases only); default 1s; 0s: ready at the probe kubelet makes as the containers run' }),
});
