/**
 * The differential test: the same seeded random command sequence is sent to Catena and to a
 * real redis-server, and every reply must be byte-identical (RESP2 or RESP3). This is the
 * standing oracle for exactness; each family contributes a generator (test/diff/gen-*.ts).
 * A failure prints the seed, the command index, the recent history and both replies, so it
 * reproduces with DIFF_SEED=<seed>.
 */
import type { Test } from 'tap';
import { Rng } from '../../src/engine/rng';
import { RawClient, type RawReply } from './raw-client';
import { startCatena, type CatenaHandle } from './catena';
import { startRedis } from './redis-oracle';
import { SetReply, type Reply } from '../../src/resp/reply';
import type { Exec } from '../../src/engine/exec';

export interface DiffCommand {
  args: string[];
  /** Replies that may legitimately differ in bytes (TTL drift...) get their own comparison. */
  compare?: (catena: RawReply, redis: RawReply) => boolean;
}

/** Shared vocabulary for generators: small key spaces (so commands collide), edge values. */
export class Vocab {
  constructor(readonly rng: Rng) {}
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }
  key(prefix = 'k', n = 8): string {
    return `${prefix}${this.rng.int(n)}`;
  }
  /** Values: short text, binary bytes, integers (incl. edge), floats, empty. */
  value(): string {
    switch (this.rng.int(8)) {
      case 0:
        return '';
      case 1:
        return String(this.int(-1000, 1000));
      case 2:
        return this.pick(['9223372036854775807', '-9223372036854775808', '9223372036854775808', '0', '-0', '007', ' 1', '1.5', '1e3', 'inf', 'nan']);
      case 3: {
        let s = '';
        const n = this.int(1, 12);
        for (let i = 0; i < n; i++) s += String.fromCharCode(this.rng.int(256));
        return s;
      }
      case 4:
        return 'x'.repeat(this.int(40, 50));
      case 5:
        return String(this.rng.next() * 1000 - 500);
      default:
        return this.pick(['foo', 'bar', 'hello world', 'a', 'abc', 'ohmytext']);
    }
  }
}

export interface DiffOptions {
  label: string;
  catenaPort: number;
  redisPort: number;
  redisHost?: string;
  seed: number;
  count: number;
  proto: 2 | 3;
  /** Commands per pipelined batch. */
  batch?: number;
  generate: (v: Vocab, i: number) => DiffCommand;
  /** Return the mismatch instead of failing the test (for the harness's own negative control). */
  expectMismatch?: boolean;
}

export interface DiffResult {
  sent: number;
  mismatches: number;
}

function show(raw: string): string {
  const s = JSON.stringify(raw);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

export async function runDifferential(t: Test, o: DiffOptions): Promise<DiffResult> {
  const seed = process.env.DIFF_SEED ? Number(process.env.DIFF_SEED) : o.seed;
  const rng = new Rng(seed);
  const v = new Vocab(rng);
  const a = await RawClient.connect(o.catenaPort);
  const b = await RawClient.connect(o.redisPort, o.redisHost ?? '127.0.0.1');
  try {
    for (const c of [a, b]) {
      if (o.proto === 3) {
        c.send(['HELLO', '3']);
        await c.read();
      }
      c.send(['FLUSHALL']);
      await c.read();
    }
    const history: string[][] = [];
    const batch = o.batch ?? 50;
    let sent = 0;
    while (sent < o.count) {
      const cmds: DiffCommand[] = [];
      for (let i = 0; i < batch && sent + i < o.count; i++) cmds.push(o.generate(v, sent + i));
      a.send(...cmds.map((c) => c.args));
      b.send(...cmds.map((c) => c.args));
      for (const c of cmds) {
        const ra = await a.read();
        const rb = await b.read();
        history.push(c.args);
        if (history.length > 25) history.shift();
        const same = c.compare ? c.compare(ra, rb) : ra.raw === rb.raw;
        if (!same && o.expectMismatch) return { sent: sent + cmds.indexOf(c) + 1, mismatches: 1 };
        if (!same) {
          t.fail(`${o.label}: reply differs from Redis (seed ${seed}, command #${sent + cmds.indexOf(c)}, RESP${o.proto})`, {
            command: c.args.map((x) => JSON.stringify(x)).join(' '),
            catena: show(ra.raw),
            redis: show(rb.raw),
            history: history.map((h) => h.map((x) => JSON.stringify(x)).join(' ')),
          });
          return { sent: sent + cmds.indexOf(c) + 1, mismatches: 1 };
        }
      }
      sent += cmds.length;
    }
    t.pass(`${o.label}: ${sent} random commands answered exactly as Redis (seed ${seed}, RESP${o.proto})`);
    return { sent, mismatches: 0 };
  } finally {
    a.close();
    b.close();
  }
}

export interface FamilySuite {
  /** Shown in test names and failure labels: "strings", "sorted-set"... */
  family: string;
  generate: (v: Vocab, i: number) => DiffCommand;
  /** Seeds for the RESP2 and RESP3 runs. */
  seeds: { 2: number; 3: number };
  /** Commands per protocol (DIFF_COUNT overrides). */
  count?: number;
  /** Extra assertions on the node after the run (e.g. nobody left blocked). */
  after?: (t: Test, catena: CatenaHandle) => void;
}

/**
 * A family's differential suite: for RESP2 and RESP3, a fresh Catena node and the oracle
 * Redis receive the family's seeded random commands, and every reply must be identical.
 * Skips (with the reason) only when no Redis can be had on this machine.
 */
export function differentialSuite(tap: Test, s: FamilySuite): void {
  const count = Number(process.env.DIFF_COUNT ?? s.count ?? 12000);
  for (const proto of [2, 3] as const) {
    tap.test(`${s.family} commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
      const redis = await startRedis(t);
      if (redis === null) {
        t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
        return;
      }
      const catena = await startCatena(t);
      const r = await runDifferential(t, {
        label: `${s.family} RESP${proto}`,
        catenaPort: catena.port,
        redisPort: redis.port,
        redisHost: redis.host,
        seed: s.seeds[proto],
        count,
        proto,
        generate: s.generate,
      });
      t.equal(r.mismatches, 0);
      t.ok(r.sent >= count, `sent ${r.sent} commands`);
      s.after?.(t, catena);
    });
  }
}

/**
 * Negative control for a family whose replies are compared order-insensitively where Redis's
 * order is a hash table's: a node whose `command` reverses its reply must still be caught,
 * proving the comparison is exact where Redis's order is defined (listpack, intset).
 */
export function reversedOrderIsCaught(tap: Test, o: { family: string; command: string; generate: (v: Vocab, i: number) => DiffCommand }): void {
  tap.test(`negative control: ${o.command.toUpperCase()} answering in reverse order is caught`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const spec = catena.server.table.get(o.command) as { data: (x: Exec, args: string[]) => Reply };
    const real = spec.data;
    spec.data = (x, args) => {
      const r = real(x, args);
      if (Array.isArray(r)) return [...r].reverse();
      if (r instanceof SetReply) return new SetReply([...r.items].reverse());
      return r;
    };
    const r = await runDifferential(t, {
      label: `broken ${o.family}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: 0x0bad,
      count: 5000,
      proto: 2,
      generate: o.generate,
      expectMismatch: true,
    });
    t.equal(r.mismatches, 1, `the reversed reply was found (after ${r.sent} commands)`);
  });
}
