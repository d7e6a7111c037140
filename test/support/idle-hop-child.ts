/**
 * A process that uses a content write hop and never closes it, as a harness whose virtual node was not closed:
 * it must still exit once its writes are done (content-write-hop.test.ts). Prints the bytes the daemon side took.
 */
import { ContentWriteHop } from '../../src/nodes/content-write-hop.ts';

const hop = await ContentWriteHop.start();
let taken = 0;
const writer = hop.open(async (message) => {
  taken += message.length;
});
await writer.write(Buffer.alloc(1000));
await writer.end();
process.stdout.write(`${taken}\n`);
