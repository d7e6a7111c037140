import type { ModelLayer } from '../fleet-plan.ts';
import type { Topology } from './topology.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/**
 * A pull-through cache tier per data centre (nginx with proxy_cache_lock): the first request for an object
 * fills the cache from the registry while streaming to its node; requests for it meanwhile wait for the
 * fill, then read from the cache like every later request.
 */
export const cacheTopology: Topology = {
  tiers: ['cache'],
  prepare(step) {
    const { net, layout, meter } = step;
    const caches = layout.datacentres.map(() => net.addResource(bytesPerSecond(step.model.cache.egressBitsPerSecond), 'cache egress'));
    const servers = layout.datacentres.map(() => step.requests.server(step.model.cache, 'cache requests'));
    const filling = layout.datacentres.map(() => new Map<string, Array<() => void>>());
    const fetch = (node: number, layer: ModelLayer, done: () => void) => {
      const dc = layout.datacentreOf[node]!;
      const fromCache = () =>
        net.startFlow({ bytes: layer.compressedBytes, resources: [caches[dc]!, ...step.ingest(node).resources], weights: [1, ...step.ingest(node).weights], capBytesPerSecond: step.stream, meters: [meter.cache, meter.nodes], onDone: done });
      if (step.cached[dc]!.has(layer.id)) return fromCache();
      const waiters = filling[dc]!.get(layer.id);
      if (waiters !== undefined) return waiters.push(fromCache);
      filling[dc]!.set(layer.id, []);
      const filled = () => {
        step.cached[dc]!.add(layer.id);
        const released = filling[dc]!.get(layer.id) ?? [];
        filling[dc]!.delete(layer.id);
        done();
        for (const start of released) start();
      };
      step.fromRegistry(node, layer, [caches[dc]!], [meter.cache], filled, false, 'cache');
    };
    // Every blob request reaches the cache first (a round trip and its per-request work), hit or miss.
    return (node, layer, done) => step.requests.request(servers[layout.datacentreOf[node]!]!, node, () => fetch(node, layer, done));
  },
};
