// monitor gdb_sync (OpenOCD's command of that name): gdb never re-reads registers after a monitor command, so after
// `monitor reset halt` it shows the pc from before. gdb_sync makes the next single step report a stop at the
// current pc without executing; the stop makes gdb, and any IDE driving it, fetch everything again.
import { expect } from 'chai';
import { readGuestElf, symbolAddress } from '../helpers/guest-image.js';
import { RawClient, runGdb, startServer, type TestServer } from './gdb-harness.js';

const PC = 0x20; // gdb's register number of pc in our target description

/** Runs a monitor command over qRcmd and returns its text (the O packets before the final OK). */
async function monitor(client: RawClient, command: string): Promise<string> {
  client.send(`qRcmd,${Buffer.from(command).toString('hex')}`);
  let text = '';
  for (;;) {
    const reply = await client.nextPacket();
    client.sendRaw('+');
    if (reply === 'OK') return text;
    expect(reply[0], reply).to.equal('O');
    text += Buffer.from(reply.slice(1), 'hex').toString('latin1');
  }
}

async function pc(client: RawClient): Promise<bigint> {
  return Buffer.from(await client.request(`p${PC.toString(16)}`), 'hex').readBigUInt64LE();
}

describe('server: monitor gdb_sync, a stop that makes gdb re-read the registers', function () {
  this.timeout(30_000);
  let server: TestServer;
  beforeEach(async () => (server = await startServer()));
  afterEach(async () => server.close());

  it('the next single step (s or vCont;s) reports the current pc without executing; any other resume cancels it', async () => {
    const entry = readGuestElf(server.imagePath).entry;
    const client = await RawClient.connect(server.port);
    expect(await pc(client)).to.equal(entry);
    expect(await monitor(client, 'gdb_sync')).to.match(/next stepi will report a stop at the current pc/);
    expect(await client.request('vCont;s:1')).to.match(/^T05thread:01;/);
    expect(await pc(client)).to.equal(entry);
    expect(server.machine.instructionsExecuted).to.equal(0n);
    expect(await client.request('vCont;s:1')).to.match(/^T05/); // once only: this one executes
    expect(await pc(client)).to.equal(entry + 4n);
    await monitor(client, 'gdb_sync');
    expect(await client.request('s')).to.match(/^T05/);
    expect(await pc(client)).to.equal(entry + 4n);
    // A range step is not a stepi: it runs, and the sync request is gone.
    await monitor(client, 'gdb_sync');
    expect(await client.request(`vCont;r${(entry + 4n).toString(16)},${(entry + 8n).toString(16)}:1`)).to.match(/^T05/);
    expect(await pc(client)).to.equal(entry + 8n);
    expect(await client.request('vCont;s:1')).to.match(/^T05/);
    expect(await pc(client)).to.equal(entry + 12n);
    await client.close();
  });

  it('after monitor reset halt, gdb shows the old pc; monitor gdb_sync and stepi show the entry, and the next stepi runs it', async () => {
    const image = readGuestElf(server.imagePath);
    const output = await runGdb(server.port, [
      'break compute',
      'continue',
      'monitor reset halt',
      'p/x $pc',
      'monitor gdb_sync',
      'stepi',
      'p/x $pc',
      'stepi',
      'p/x $pc',
    ]);
    expect(output).to.include(`$1 = 0x${symbolAddress(image, 'compute').toString(16)}`); // gdb's cache, stale
    expect(output).to.match(/_start \(\) at guests\/common\/crt0\.inc:22/);
    expect(output).to.include(`$2 = 0x${image.entry.toString(16)}`);
    expect(output).to.include(`$3 = 0x${(image.entry + 4n).toString(16)}`);
  });
});
