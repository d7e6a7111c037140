import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { FlowLists } from '../../src/model/flow-list.ts';
import { FlowTable } from '../../src/model/flow-table.ts';

/** r's flows as a visit finds them: by slot, holes skipped. */
function visit(lists: FlowLists, r: number): number[] {
  const flows: number[] = [];
  for (let i = 0; i < lists.span(r); i++) if (lists.at(r, i) >= 0) flows.push(lists.at(r, i));
  return flows;
}

test('every list visits its flows in the order a Set keeps them, through growth, holes, squeezes and moves of every region', () => {
  const rng = Rng.derive('flow-lists', 'test');
  const table = new FlowTable();
  const lists = new FlowLists(table);
  const resources = 200;
  for (let r = 0; r < resources; r++) lists.addResource();
  // Flows over one to three resources, some listing one resource twice (one membership there).
  const flows = Array.from({ length: 3000 }, () => {
    const crossed = Array.from({ length: rng.int(1, 3) }, () => rng.int(0, resources - 1));
    if (rng.next() < 0.1) crossed.push(crossed[0]!);
    return { id: table.allocate({ bytes: 1, resources: crossed, onDone() {} }, [], crossed, undefined), crossed };
  });
  const expected = Array.from({ length: resources }, () => new Set<number>());
  // Waves: lists grow well past their first room (moves, regions left behind), then mostly empty (squeezes).
  for (let wave = 0; wave < 6; wave++) {
    const adding = wave % 2 === 0;
    for (let step = 0; step < 6000; step++) {
      const { id, crossed } = flows[rng.int(0, flows.length - 1)]!;
      const r = crossed[rng.int(0, crossed.length - 1)]!;
      if (adding ? rng.next() < 0.8 : rng.next() < 0.2) {
        lists.add(r, id);
        expected[r]!.add(id);
      } else {
        lists.delete(r, id);
        expected[r]!.delete(id);
      }
    }
    for (let r = 0; r < resources; r++) {
      assert.deepEqual(visit(lists, r), [...expected[r]!], `resource ${r} after wave ${wave}`);
      assert.equal(lists.size(r), expected[r]!.size);
    }
  }
});

test('a flow added twice is listed once, and a re-added flow goes to the end', () => {
  const table = new FlowTable();
  const lists = new FlowLists(table);
  lists.addResource();
  const ids = [0, 1, 2].map(() => table.allocate({ bytes: 1, resources: [0], onDone() {} }, [], [0], undefined));
  for (const f of ids) lists.add(0, f);
  lists.add(0, ids[1]!);
  assert.deepEqual(visit(lists, 0), ids);
  lists.delete(0, ids[0]!);
  lists.add(0, ids[0]!);
  assert.deepEqual(visit(lists, 0), [ids[1], ids[2], ids[0]]);
  assert.equal(lists.size(0), 3);
});
