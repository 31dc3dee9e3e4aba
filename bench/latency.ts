/**
 * Latency at a fixed offered load, which redis-benchmark cannot do (it measures at
 * saturation: every client sends as soon as its previous reply arrives). This client is
 * open-loop: requests arrive on a schedule (Poisson, or constant rate) that does not wait
 * for replies, spread round-robin over the connections, so a slow server faces a growing
 * queue instead of a politely slowing client (no coordinated omission).
 *
 * Timing: Node's timers tick about once a millisecond, so the requests that came due since
 * the last tick leave together, in one write per connection. Latency is measured from that
 * write to the reply; the sender's own lag (how late a tick ran against the schedule) is
 * reported separately, so a result the client itself distorted can be recognised.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Histogram } from './histogram';
import { encodeCommand, replyEnd } from './resp-client';

export interface FixedRateParams {
  host: string;
  port: number;
  connections: number;
  /** Offered load, requests per second, over all connections. */
  ratePerSec: number;
  /** Requests sent during the warm-up are not recorded. */
  warmupMs: number;
  durationMs: number;
  command: readonly string[];
  arrivals: 'poisson' | 'constant';
  /** Seeds the Poisson schedule: every server is offered the very same arrival times. */
  seed: number;
}

export interface LatencyResult {
  offeredPerSec: number;
  /** Replies per second recorded in the measurement window. */
  achievedPerSec: number;
  recorded: number;
  errors: number;
  /** Requests still unanswered when the run gave up waiting. */
  lost: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  /** The sender's worst lateness against the schedule (ms). */
  senderLagMaxMs: number;
}

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Arrival times (ms from the start) of a schedule over `totalMs`. */
export function arrivalTimes(kind: 'poisson' | 'constant', ratePerSec: number, totalMs: number, seed: number): Float64Array {
  const perMs = ratePerSec / 1000;
  const out: number[] = [];
  if (kind === 'constant') {
    for (let i = 0; i / perMs < totalMs; i++) out.push(i / perMs);
  } else {
    const rnd = seededRandom(seed);
    for (let t = 0; ; ) {
      t += -Math.log(1 - rnd()) / perMs;
      if (t >= totalMs) break;
      out.push(t);
    }
  }
  return Float64Array.from(out);
}

interface Conn {
  sock: net.Socket;
  pending: Buffer | null;
  /** Send times (ms, performance.now) of unanswered requests, oldest first; NaN = not recorded. */
  sent: number[];
  head: number;
  due: number;
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', reject);
  });
}

export async function runFixedRate(p: FixedRateParams): Promise<LatencyResult> {
  const one = encodeCommand(p.command);
  const batches: Buffer[] = [];
  const batchOf = (k: number): Buffer => {
    let b = batches[k];
    if (b === undefined) {
      b = Buffer.concat(new Array<Buffer>(k).fill(one));
      batches[k] = b;
    }
    return b;
  };
  const schedule = arrivalTimes(p.arrivals, p.ratePerSec, p.warmupMs + p.durationMs, p.seed);
  const hist = new Histogram();
  let errors = 0;
  let answered = 0;
  const conns: Conn[] = [];
  try {
    for (let i = 0; i < p.connections; i++) {
      conns.push({ sock: await connect(p.host, p.port), pending: null, sent: [], head: 0, due: 0 });
    }
    let failure: Error | null = null;
    for (const c of conns) {
      c.sock.on('error', (e) => (failure ??= e));
      c.sock.on('data', (d: Buffer) => {
        const now = performance.now();
        const buf = c.pending === null ? d : Buffer.concat([c.pending, d]);
        let pos = 0;
        for (;;) {
          const e = replyEnd(buf, pos);
          if (e < 0) break;
          if (buf[pos] === 0x2d) errors++;
          const t = c.sent[c.head++] as number;
          answered++;
          if (!Number.isNaN(t)) hist.record(Math.round((now - t) * 1e6));
          pos = e;
        }
        if (c.head > 4096 && c.head * 2 > c.sent.length) {
          c.sent = c.sent.slice(c.head);
          c.head = 0;
        }
        c.pending = pos < buf.length ? buf.subarray(pos) : null;
      });
    }

    const start = performance.now();
    const recordFrom = start + p.warmupMs;
    let next = 0; // index into schedule
    let rr = 0;
    let lagMax = 0;
    await new Promise<void>((resolve, reject) => {
      const tick = () => {
        if (failure !== null) return reject(failure);
        const now = performance.now();
        const elapsed = now - start;
        if (next < schedule.length && (schedule[next] as number) <= elapsed) {
          const lag = elapsed - (schedule[next] as number);
          if (now >= recordFrom && lag > lagMax) lagMax = lag;
        }
        while (next < schedule.length && (schedule[next] as number) <= elapsed) {
          const c = conns[rr] as Conn;
          c.due++;
          rr = (rr + 1) % conns.length;
          next++;
        }
        const record = now >= recordFrom;
        for (const c of conns) {
          if (c.due === 0) continue;
          for (let k = 0; k < c.due; k++) c.sent.push(record ? now : NaN);
          c.sock.write(batchOf(c.due));
          c.due = 0;
        }
        if (next >= schedule.length) return resolve();
        setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
    });
    // Let the last replies arrive (bounded).
    const sentTotal = schedule.length;
    const deadline = performance.now() + 10_000;
    while (answered < sentTotal && performance.now() < deadline && failure === null) await new Promise((r) => setTimeout(r, 5));
    const ms = (ns: number) => ns / 1e6;
    return {
      offeredPerSec: p.ratePerSec,
      achievedPerSec: (hist.count / p.durationMs) * 1000,
      recorded: hist.count,
      errors,
      lost: sentTotal - answered,
      p50Ms: ms(hist.percentile(50)),
      p99Ms: ms(hist.percentile(99)),
      p999Ms: ms(hist.percentile(99.9)),
      maxMs: ms(hist.max),
      meanMs: ms(hist.mean),
      senderLagMaxMs: lagMax,
    };
  } finally {
    for (const c of conns) c.sock.destroy();
  }
}
