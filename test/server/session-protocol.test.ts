// Raw RSP over a socket against the real server: acks, no-ack mode, damaged and malformed frames, unknown
// packets, Ctrl-C latency, a handler that throws, disconnects during a run. Each leaves the session working.
import { expect } from 'chai';
import { frame } from '../protocol/bytes.js';
import { RawClient, startServer, type TestServer } from './gdb-harness.js';

describe('server: the session at the protocol level (raw socket)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let client: RawClient;
  beforeEach(async () => {
    server = await startServer();
    client = await RawClient.connect(server.port);
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  /** The session still answers: `?` gets a T05 stop reply. */
  async function expectWorking(c: RawClient = client): Promise<void> {
    expect(await c.request('?')).to.match(/^T05thread:01;/);
  }

  it('acknowledges each packet with + before the reply, and stops acking after QStartNoAckMode', async () => {
    client.send('qSupported:swbreak+;hwbreak+');
    expect(await client.nextAck()).to.equal('+');
    const features = await client.nextPacket();
    client.sendRaw('+');
    expect(features).to.match(
      /^PacketSize=20000;QStartNoAckMode\+;qXfer:features:read\+;qXfer:memory-map:read\+;qXfer:threads:read\+;qXfer:exec-file:read\+;swbreak\+;hwbreak\+;vContSupported\+;ReverseStep\+;ReverseContinue\+;QThreadEvents\+$/,
    );
    expect(await client.request('QStartNoAckMode')).to.equal('OK');
    const before = client.received.length;
    client.send('qC');
    expect(await client.nextPacket()).to.equal('QC01');
    expect(client.received.slice(before)).to.equal(frame('QC01')); // no `+` in front any more
  });

  it('does not offer swbreak/hwbreak to a gdb that did not offer them, and then sends no such stop reason', async () => {
    expect(await client.request('qSupported:multiprocess+')).to.not.match(/swbreak|hwbreak/);
    expect(await client.request('Z0,40080044,4')).to.equal('OK');
    client.send('c');
    const stop = await client.nextPacket();
    expect(stop).to.match(/^T05thread:01;/);
    expect(stop).to.not.match(/swbreak/);
  });

  it('reports swbreak and hwbreak stops when offered, with pc, sp, fp expedited', async () => {
    await client.request('qSupported:swbreak+;hwbreak+');
    expect(await client.request('Z1,40080044,4')).to.equal('OK');
    client.send('vCont;c');
    expect(await client.nextPacket()).to.match(
      /^T05thread:01;hwbreak:;1d:[0-9a-f]{16};1e:[0-9a-f]{16};1f:[0-9a-f]{16};20:4400084000000000;21:[0-9a-f]{8};$/,
    );
  });

  it('answers a bad checksum with - and handles the retransmission', async () => {
    client.sendRaw('$qC#00');
    expect(await client.nextAck()).to.equal('-');
    client.sendRaw(frame('qC'));
    expect(await client.nextPacket()).to.equal('QC01');
    await expectWorking();
  });

  it('retransmits its last reply when gdb answers it with -', async () => {
    client.send('qC');
    expect(await client.nextPacket()).to.equal('QC01');
    client.sendRaw('-');
    expect(await client.nextPacket()).to.equal('QC01');
    client.sendRaw('+');
    await expectWorking();
  });

  it('answers an oversize packet with an error, not a hang, and keeps serving', async () => {
    client.sendRaw(frame(`M40100000,${(0x11000).toString(16)}:${'00'.repeat(0x11000)}`));
    expect(await client.nextPacket()).to.equal('E16');
    await expectWorking();
  });

  it('ignores garbage between packets and recovers from a truncated packet', async () => {
    client.sendRaw('hello gdb\r\n');
    await expectWorking();
    client.sendRaw(`$m4008${frame('qC')}`); // a frame cut short by the start of the next one
    expect(await client.nextAck()).to.equal('-');
    expect(await client.nextPacket()).to.equal('QC01');
    await expectWorking();
  });

  it('answers an unknown packet with the empty reply and a malformed one with E16', async () => {
    expect(await client.request('qFrobnicate:1')).to.equal('');
    expect(await client.request('vMustReplyEmpty')).to.equal('');
    expect(await client.request('mzz,4')).to.equal('E16');
    expect(await client.request('Z9,0,4')).to.equal('E16');
    await expectWorking();
  });

  it('reads memory (E14 when unmapped, short when it runs into a hole), large reads in one reply', async () => {
    expect(await client.request('m40080000,4')).to.match(/^[0-9a-f]{8}$/);
    expect(await client.request('m0f000000,8')).to.equal('E14'); // the filtered page: stage 2 does not map it
    const before = client.received.length;
    const big = await client.request('m40010000,10000'); // past the DTB at the start of RAM
    expect(big).to.have.length(0x20000);
    expect(client.received.length - before).to.be.below(0x2000); // run-length encoded on the wire: RAM is mostly zeros
    expect(await client.request('M40100000,4:deadbeef')).to.equal('OK');
    expect(await client.request('m40100000,4')).to.equal('deadbeef');
  });

  it('reads and writes single registers; CurrentEL refuses EL2; all registers round-trip through g/G', async () => {
    expect(await client.request('p20')).to.equal('0000084000000000'); // pc
    expect(await client.request('P5=8877665544332211')).to.equal('OK');
    expect(await client.request('p5')).to.equal('8877665544332211');
    expect(await client.request('p59')).to.equal('0400000000000000'); // CurrentEL = EL1
    expect(await client.request('P59=0800000000000000')).to.equal('E22');
    expect(await client.request('p5a')).to.equal('E0e');
    const all = await client.request('g');
    expect(all.length).to.equal(2 * (31 * 8 + 8 + 8 + 4 + 32 * 16 + 4 + 4 + 22 * 8));
    expect(await client.request(`G${all}`)).to.equal('OK');
    expect(await client.request('g')).to.equal(all);
  });

  // The 50 ms latency goal is measured by `npm run bench` (stop latency); this test holds a loose bound so that a
  // loaded CI machine cannot make it flaky, while a stop that never comes (or waits for the guest) still fails.
  it('stops a spinning guest promptly on Ctrl-C (0x03) with SIGINT', async () => {
    client.send('c');
    expect(await client.nextAck()).to.equal('+');
    await server.waitForConsole(/iteration 0x0000000000000008/); // running for real
    const sent = process.hrtime.bigint();
    client.sendRaw(Uint8Array.of(0x03));
    const stop = await client.nextPacket();
    const ms = Number(process.hrtime.bigint() - sent) / 1e6;
    expect(stop).to.match(/^T02thread:01;/);
    expect(ms).to.be.below(1000);
    await expectWorking();
  });

  it('range-steps (vCont;r) inside [start, end) without a round trip per instruction', async () => {
    // _start: from the entry, step while pc < main's call (the bss loop runs thousands of instructions).
    const stop = await client.request('vCont;r40080000,40080038:1');
    expect(stop).to.match(/^T05thread:01;/);
    expect(await client.request('p20')).to.equal('3800084000000000');
  });

  it('answers E05 when a handler throws unexpectedly, and keeps serving', async () => {
    const registers = server.server.target.registers;
    const readAll = registers.readAll.bind(registers);
    registers.readAll = () => {
      throw new Error('simulated failure');
    };
    try {
      expect(await client.request('g')).to.equal('E05');
    } finally {
      registers.readAll = readAll;
    }
    await expectWorking();
  });

  it('halts the guest when gdb disconnects during a run; the next client finds it halted', async () => {
    client.send('c');
    await server.waitForConsole(/iteration 0x0000000000000002/);
    await client.close();
    const next = await RawClient.connect(server.port);
    try {
      await expectWorking(next);
      const pc = await next.request('p20');
      expect(await next.request('p20')).to.equal(pc); // halted: nothing moves between two reads
    } finally {
      await next.close();
    }
  });

  it('refuses a second client with a message while the first is attached; the first is unaffected', async () => {
    await expectWorking();
    const second = await RawClient.connect(server.port);
    second.send('qSupported');
    expect(await second.nextPacket()).to.match(/^E\.el2dbg: another gdb \(127\.0\.0\.1:\d+\) is already attached/);
    await second.closedByServer();
    await expectWorking();
  });
});
