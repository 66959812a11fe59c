// 25 000 fuzz packets (and as many sentinels) of every packet letter with hostile arguments, from a fixed seed:
// every reply is correctly framed, every packet is answered, and the server keeps serving (test/helpers/rsp-fuzz.ts).
import { expect } from 'chai';
import { fuzzServer } from '../helpers/rsp-fuzz.js';
import { RawClient, startServer } from './gdb-harness.js';

describe('server: fuzzed packets (fixed seed)', function () {
  this.timeout(180_000);

  it('answers 25 000 hostile packets with correctly framed replies and keeps serving', async () => {
    const server = await startServer();
    try {
      const stats = await fuzzServer(server.port, 0xe12d, 25_000);
      expect(stats.framingErrors).to.equal(0);
      expect(stats.packets).to.equal(25_000);
      expect(stats.unanswered).to.equal(0); // every fuzz packet is answered before its sentinel
      expect(stats.replies).to.be.at.least(2 * stats.packets - 3 * stats.reconnects - 100);
      const c = await RawClient.connect(server.port);
      expect(await c.request('qC')).to.equal('QC01');
      await c.close();
    } finally {
      await server.close();
    }
  });
});
