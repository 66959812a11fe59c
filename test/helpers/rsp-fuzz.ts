// A seeded RSP fuzzer: packets of every letter gdb uses, with hostile arguments, each followed by a `qC` sentinel.
// Every byte the server sends must decode as correctly framed packets, every fuzz packet must be answered before
// its sentinel's QC01, and a session the server ends (k, D) is reconnected. Used by the fuzz test (tens of thousands)
// and the benchmark (a million).
import net from 'node:net';
import { encodePacket, PacketDecoder } from '../../protocol/framing.js';

/** xorshift32: a failing run can be replayed from its seed. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Packet heads: every packet el2dbg parses, and some it does not. */
export const FUZZ_HEADS = [
  '?',
  'c',
  'C',
  's',
  'S',
  'g',
  'G',
  'p',
  'P',
  'm',
  'M',
  'X',
  'Z0,',
  'Z1,',
  'Z2,',
  'Z3,',
  'Z4,',
  'z0,',
  'z1,',
  'z2,',
  'z3,',
  'z4,',
  'Hg',
  'Hc',
  'T',
  'qSupported:',
  'qXfer:features:read:',
  'qXfer:memory-map:read::',
  'qXfer:threads:read::',
  'qXfer:exec-file:read:',
  'qRcmd,',
  'qfThreadInfo',
  'qsThreadInfo',
  'qC',
  'qAttached',
  'qOffsets',
  'qSymbol::',
  'qThreadExtraInfo,',
  'qMemoryRegionInfo:',
  'qHostInfo',
  'qWatchpointSupportInfo:',
  'QStartNoAckMode',
  'QThreadEvents:',
  'vCont?',
  'vCont;',
  'vMustReplyEmpty',
  'vRun;',
  'vKill;',
  'R',
  '!',
  'k',
  'D',
  'x',
  'Y',
  'bc',
  'bs',
  'i',
  'I',
  'A',
  't',
  'qTStatus',
  'QAgent:',
  'vFile:open:',
] as const;

/** The result of a fuzz run. */
export interface FuzzStats {
  packets: number;
  replies: number;
  framingErrors: number;
  reconnects: number;
  /** Fuzz packets with no reply before their sentinel, other than those the protocol leaves unanswered (R, k). */
  unanswered: number;
  /** The first few packets that got a badly framed reply or none (for the report). */
  samples: string[];
  seconds: number;
}

function hexDigits(random: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdefABCDEFxz-'[Math.floor(random() * 25)];
  return s;
}

/** A hostile argument: hex of any length, huge or signed numbers, separators, escapes, run-length marks, junk. */
function argument(random: () => number): string {
  const r = random();
  if (r < 0.2) return hexDigits(random, Math.floor(random() * 40));
  if (r < 0.3)
    return `${hexDigits(random, 1 + Math.floor(random() * 17))},${hexDigits(random, Math.floor(random() * 9))}`;
  if (r < 0.4) return `${hexDigits(random, 8)},ffffffff`;
  if (r < 0.5)
    return `${hexDigits(random, 16)},${hexDigits(random, 2)}:${hexDigits(random, Math.floor(random() * 64))}`;
  if (r < 0.6)
    return [';', ':', ',', '}', '*', ' ', '\x7e'].map((c) => (random() < 0.5 ? c : '')).join('') + hexDigits(random, 4);
  if (r < 0.7) return 'c;s;r0,1;t:1;S05'.slice(0, Math.floor(random() * 16));
  if (r < 0.8)
    return String.fromCharCode(
      ...Array.from({ length: Math.floor(random() * 30) }, () => 1 + Math.floor(random() * 254)),
    );
  if (r < 0.9) return '';
  return 'stage2 catch before ipa=' + hexDigits(random, 20);
}

/** Runs `count` fuzz packets against 127.0.0.1:port from `seed`. */
export async function fuzzServer(port: number, seed: number, count: number): Promise<FuzzStats> {
  const random = generator(seed);
  const stats: FuzzStats = {
    packets: 0,
    replies: 0,
    framingErrors: 0,
    reconnects: 0,
    unanswered: 0,
    seconds: 0,
    samples: [],
  };
  const t0 = performance.now();
  let conn = await open(port);
  for (let i = 0; i < count; i++) {
    const head = FUZZ_HEADS[Math.floor(random() * FUZZ_HEADS.length)]!;
    const payload = head + argument(random);
    stats.packets++;
    const running = /^(c|C|s|S|vCont;|vRun)/.test(payload);
    const outcome = await conn.exchange(payload, running);
    stats.replies += outcome.replies;
    stats.framingErrors += outcome.framingErrors;
    if (outcome.framingErrors > 0 && stats.samples.length < 10) stats.samples.push(`framing: ${payload.slice(0, 80)}`);
    if (!outcome.closed && outcome.replies < 2 && !/^[Rk]/.test(payload)) {
      stats.unanswered++;
      if (stats.samples.length < 10) stats.samples.push(`unanswered: ${payload.slice(0, 80)}`);
    }
    if (outcome.closed) {
      stats.reconnects++;
      conn = await open(port);
    }
  }
  conn.close();
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}

interface Exchange {
  replies: number;
  framingErrors: number;
  closed: boolean;
}

async function open(port: number) {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
  const decoder = new PacketDecoder({ maxPayload: 1 << 24 });
  const replies: string[] = [];
  let errors = 0;
  let closed = false;
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    for (const e of decoder.feed(d)) {
      if (e.kind === 'packet') replies.push(Buffer.from(e.payload.subarray(0, 8)).toString('latin1'));
      else if (e.kind === 'error' && e.code !== 'GarbageBeforePacket') errors++;
    }
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  // No acks: every byte from the server is a packet (or, in ack mode before this, a `+`).
  socket.write(encodePacket('QStartNoAckMode'));
  while (!replies.includes('OK') && !closed) await changed();
  replies.length = 0;
  return {
    /** Sends a fuzz packet (and Ctrl-C if it may have started a run), then the sentinel; waits for the sentinel. */
    async exchange(payload: string, running: boolean): Promise<Exchange> {
      const before = errors;
      socket.write(encodePacket(payload));
      if (running) socket.write(Uint8Array.of(0x03));
      socket.write(encodePacket('qC'));
      // The sentinel's reply is QC01; a fuzz packet that is itself a plain qC gets one too, so wait for both.
      const sentinels = payload === 'qC' ? 2 : 1;
      while (replies.filter((r) => r === 'QC01').length < sentinels && !closed) await changed();
      const n = replies.length;
      replies.length = 0;
      return { replies: n, framingErrors: errors - before, closed };
    },
    close: () => socket.destroy(),
  };
}
