import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LayerSwarm, OnceWaiter } from '../../src/model/topologies/layer-swarm.ts';

const layer = { id: 'a', compressedBytes: 8, uncompressedBytes: 8, files: 0 };

/** A swarm of one chunk among `nodes` ids, with the given transfers in flight per node. */
function swarmWith(inFlight: number[]): { swarm: LayerSwarm; woken: number[]; park: (node: number) => OnceWaiter } {
  const swarm = new LayerSwarm(layer, 8, 1, inFlight.length, Int32Array.from(inFlight), new Float64Array(inFlight.length).fill(100));
  const woken: number[] = [];
  const park = (node: number) => {
    const w = new OnceWaiter(node, () => woken.push(node));
    swarm.addWaiter(0, w);
    return w;
  };
  return { swarm, woken, park };
}

describe('P2P waiters: a free upload slot goes where there is room', () => {
  test('the waiter with the fewest transfers in flight wakes first, the first of equals before the others', () => {
    // Nodes 0..4 wait in this order with 3, 1, 2, 1, 0 transfers in flight.
    const { swarm, woken, park } = swarmWith([3, 1, 2, 1, 0]);
    for (let node = 0; node < 5; node++) park(node);
    assert.equal(swarm.wake(0, 1, 9), 1);
    assert.deepEqual(woken, [4]);
    assert.equal(swarm.wake(0, 2, 9), 2);
    assert.deepEqual(woken, [4, 1, 3]);
    assert.deepEqual(swarm.waitingNodes(0), [0, 2], 'the rest wait in their order');
    assert.equal(swarm.waiterEntries, 2);
  });

  test('among nodes with as many transfers in flight, the one with fewer of them in this layer goes first', () => {
    // Both nodes receive 2 transfers; node 0's are both of this layer, node 1's of another layer.
    const { swarm, woken, park } = swarmWith([2, 2]);
    swarm.here[0] = 2;
    park(0);
    park(1);
    assert.equal(swarm.wake(0, 1, 9), 1);
    assert.deepEqual(woken, [1]);
  });

  test('dead entries are skipped and dropped; waiters that park again while woken wait for the next wake', () => {
    const { swarm, woken, park } = swarmWith([0, 0, 2]);
    const early = park(0);
    park(1);
    park(2);
    // Node 0 was woken through another chunk: its entry here is dead.
    early.wake(7);
    woken.length = 0;
    // Node 1 parks again as soon as it is woken (it found no holder with a free slot).
    swarm.waiting[0]![1] = new OnceWaiter(1, () => {
      woken.push(1);
      park(1);
    });
    assert.equal(swarm.wake(0, 1, 9), 1);
    assert.deepEqual(woken, [1]);
    assert.deepEqual(swarm.waitingNodes(0), [2, 1], 'the dead entry is gone, the new one waits last');
    assert.equal(swarm.waiterEntries, 2);
  });

  test('a freed slot wakes the waiter it ranked, leaving the list as a wake of one would', () => {
    const ranked = swarmWith([3, 1, 2, 0, 0]);
    const woken = swarmWith([3, 1, 2, 0, 0]);
    for (const { park } of [ranked, woken]) for (let node = 0; node < 5; node++) park(node);
    assert.equal(ranked.swarm.leastWaitingLoad(0), 1 / 100);
    ranked.swarm.wakeChosen(0, 9);
    woken.swarm.wake(0, 1, 9);
    assert.deepEqual(ranked.woken, [3]);
    assert.deepEqual(ranked.woken, woken.woken);
    assert.deepEqual(ranked.swarm.waitingNodes(0), woken.swarm.waitingNodes(0));
    assert.equal(ranked.swarm.waiterEntries, woken.swarm.waiterEntries);
    assert.throws(() => ranked.swarm.wakeChosen(0, 9), /no waiter was chosen/);
  });

  test('the first chunk a holder can serve that someone waits for, by bits', () => {
    const swarm = new LayerSwarm({ ...layer, compressedBytes: 40 }, 1, 40, 2, new Int32Array(2), new Float64Array(2).fill(100));
    for (const j of [3, 33, 39]) swarm.addWaiter(j, new OnceWaiter(0, () => {}));
    assert.equal(swarm.firstWaitingServedBy(1, 0), -1, 'it holds nothing');
    swarm.startRelay(33, 1);
    swarm.holdWhole(39, 1, 0);
    assert.equal(swarm.firstWaitingServedBy(1, 0), 33);
    assert.equal(swarm.firstWaitingServedBy(1, 34), 39);
    assert.equal(swarm.firstWaitingServedBy(1, 40), -1);
    swarm.startRelay(3, 1);
    assert.equal(swarm.firstWaitingServedBy(1, 0), 3);
    assert.ok(swarm.canServe(3, 1) && !swarm.canServe(4, 1));
  });

  test('free holders per chunk: a holder counts while it has a free upload slot', () => {
    const uploads = Int32Array.from([0, 2, 0]);
    const swarm = new LayerSwarm({ ...layer, compressedBytes: 2 }, 1, 2, 3, new Int32Array(3), new Float64Array(3).fill(100), uploads, 2);
    swarm.addHolder(0, 0);
    swarm.startRelay(0, 0);
    swarm.addHolder(0, 1);
    swarm.startRelay(0, 1);
    swarm.addHolder(1, 0);
    swarm.holdWhole(1, 0, 0);
    assert.deepEqual([...swarm.freeHolders], [1, 1], 'node 1 has both its slots busy');
    swarm.holderSlots(0, -1);
    assert.deepEqual([...swarm.freeHolders], [0, 0], 'node 0 is busy too: no chunk has a free holder');
    swarm.holderSlots(1, 1);
    assert.deepEqual([...swarm.freeHolders], [1, 0], 'node 1 came free: only the chunk it holds counts it');
  });

  test('waking them all (a new seed) wakes each live waiter once, in order', () => {
    const { swarm, woken, park } = swarmWith([2, 0, 1]);
    for (let node = 0; node < 3; node++) park(node);
    assert.equal(swarm.wake(0, Number.POSITIVE_INFINITY, 9), 3);
    assert.deepEqual(woken, [0, 1, 2]);
    assert.equal(swarm.waiterEntries, 0);
  });
});
