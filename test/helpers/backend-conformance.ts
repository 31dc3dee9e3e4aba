/**
 * One contract suite for every storage backend (STYLE #6; DESIGN: storage). A real node runs
 * each family's seeded random workload (the differential generators) and a script that
 * touches every effect kind (all 16 databases, SWAPDB, MOVE, RENAME, FLUSHDB, binary keys,
 * TTLs, hash field TTLs, big collections); every update's effects go to the backend under
 * test with increasing sequence numbers, in batches as group commit makes them. Then the
 * backend is closed and reopened ("restart") and its load must rebuild a keyspace with the
 * node's digest, and report the last sequence number. A backend passes by implementing the
 * port, nothing else: the suite knows no backend.
 */
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../backends/backend';
import { loadChunkElements } from '../../backends/limits';
import { applyEffect, type Effect } from '../../src/engine/effects';
import { Keyspace } from '../../src/engine/keyspace';
import { keyspaceDigest } from '../../src/engine/digest';
import type { ApplyResult } from '../../src/engine/engine';
import { Rng } from '../../src/engine/rng';
import { startCatena, type CatenaHandle } from './catena';
import { RawClient } from './raw-client';
import { Vocab, type DiffCommand } from './differential';

export interface BackendUnderTest {
  name: string;
  /** Open the backend on the same storage each time (a "restart" when called again). */
  open(): Promise<Backend>;
  /** Open on fresh, empty storage (a new replica). Defaults to `open` after the caller's own wipe. */
  fresh(): Promise<Backend>;
  /** Commands per family workload (default 1500). */
  commandsPerFamily?: number;
}

/** Load a backend into a new keyspace; also checks the stream is chunked. */
export async function loadInto(t: Test, b: Backend, ks = new Keyspace()): Promise<{ ks: Keyspace; chunks: number }> {
  let chunks = 0;
  let oversized = 0;
  for await (const chunk of b.load()) {
    chunks++;
    let elements = 0;
    for (const e of chunk) elements += effectWeight(e);
    if (elements > loadChunkElements * 2) oversized++;
    for (const e of chunk) applyEffect(ks, e);
  }
  t.equal(oversized, 0, 'load streams in chunks of bounded size');
  return { ks, chunks };
}

function effectWeight(e: Effect): number {
  switch (e.op) {
    case 'hset':
      return e.fields.length / 2;
    case 'rpush':
    case 'lpush':
      return e.items.length;
    case 'sadd':
    case 'srem':
    case 'zadd':
    case 'zrem':
      return e.members.length;
    default:
      return 1;
  }
}

/**
 * A node whose every update is also written to `backend`: effects are queued as the node
 * makes them and applied in batches (several updates per batch, as group commit does) by
 * `sync()`.
 */
export class Recorder {
  private queue: Effect[] = [];
  seq = 0n;
  applied = 0;
  constructor(
    readonly node: CatenaHandle,
    public backend: Backend,
  ) {
    const original = node.server.afterUpdate.bind(node.server);
    node.server.afterUpdate = (r: ApplyResult) => {
      if (r.effects.length > 0) {
        this.queue.push(...r.effects);
        this.seq++;
      }
      original(r);
    };
  }
  /**
   * Apply what is queued and take the node's digest and sequence number in the same turn:
   * active expiry may make more updates while the store is closed and reopened, and those
   * belong to no batch the store was given.
   */
  async settled(): Promise<{ digest: string; seq: bigint }> {
    for (;;) {
      await this.sync();
      if (this.queue.length === 0) return { digest: keyspaceDigest(this.node.server.ks), seq: this.seq };
    }
  }

  async sync(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    await this.backend.apply(batch, this.seq);
    this.applied += batch.length;
  }
}

async function runCommands(c: RawClient, rec: Recorder, cmds: string[][], perBatch = 50): Promise<void> {
  for (let i = 0; i < cmds.length; i += perBatch) {
    const part = cmds.slice(i, i + perBatch);
    c.send(...part);
    for (let j = 0; j < part.length; j++) await c.read();
    await rec.sync();
  }
}

/** A script that reaches every effect kind, all 16 databases and binary data. */
export function everyEffectScript(): string[][] {
  const bin = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const far = String(4102444800000); // 2100-01-01 in ms
  const s: string[][] = [];
  for (let db = 0; db < 16; db++) s.push(['SELECT', String(db)], ['SET', `s${db}`, `v${db}`], ['RPUSH', `l${db}`, 'a', 'b']);
  s.push(['SELECT', '0']);
  s.push(['SET', bin, bin], ['SET', 'ttl', 'x', 'PXAT', far], ['APPEND', 'app', 'abc'], ['APPEND', 'app', 'def'], ['SETRANGE', 'app', '10', 'zz']);
  s.push(['SETBIT', 'bits', '1000', '1'], ['INCR', 'n'], ['INCRBYFLOAT', 'f', '1.5'], ['PFADD', 'hll', 'a', 'b', 'c']);
  s.push(['HSET', 'h', 'f1', 'v1', 'f2', 'v2', bin, bin], ['HDEL', 'h', 'f2'], ['HINCRBY', 'h', 'cnt', '5'], ['PEXPIREAT', 'h', far]);
  s.push(['HSET', 'hx', 'a', '1', 'b', '2', 'c', '3'], ['HPEXPIREAT', 'hx', far, 'FIELDS', '2', 'a', 'b'], ['HPERSIST', 'hx', 'FIELDS', '1', 'b']);
  s.push(['RPUSH', 'L', 'a', 'b', 'c', 'd', 'e', 'f'], ['LPUSH', 'L', 'z', 'y'], ['LPOP', 'L'], ['RPOP', 'L', '2'], ['LSET', 'L', '1', 'set']);
  s.push(['LINSERT', 'L', 'BEFORE', 'c', 'ins'], ['LREM', 'L', '1', 'b'], ['LTRIM', 'L', '0', '3'], ['RPUSH', 'L', bin]);
  s.push(['SADD', 'S', '1', '2', '3'], ['SADD', 'S2', 'a', 'b', bin], ['SREM', 'S2', 'a'], ['SPOP', 'S']);
  s.push(['ZADD', 'Z', '1', 'a', '2', 'b', '-inf', 'c', '+inf', 'd', '1.5e300', bin], ['ZINCRBY', 'Z', '0.25', 'a'], ['ZREM', 'Z', 'b']);
  s.push(['ZUNIONSTORE', 'Zu', '2', 'Z', 'Z'], ['SUNIONSTORE', 'Su', 'S', 'S2'], ['COPY', 'h', 'hcopy'], ['COPY', 'L', 'Lcopy', 'DB', '7']);
  s.push(['RENAME', 'hcopy', 'hrenamed'], ['MOVE', 'Lcopy', '8'], ['SELECT', '7'], ['MOVE', 'Lcopy', '9'], ['SELECT', '0']);
  s.push(['SWAPDB', '3', '4'], ['SELECT', '5'], ['FLUSHDB'], ['SELECT', '0'], ['SET', 'gone', 'x'], ['DEL', 'gone'], ['EXPIRE', 'n', '100000'], ['PERSIST', 'n']);
  s.push(['SET', 'past', 'x'], ['PEXPIREAT', 'past', '1'], ['SET', 'future', 'y', 'PXAT', far]);
  return s;
}

export function backendConformance(t: Test, sut: BackendUnderTest): void {
  t.test(`${sut.name}: a new store is empty at sequence 0`, async (t) => {
    const b = await sut.fresh();
    t.equal(await b.appliedSeq(), 0n);
    const { ks } = await loadInto(t, b);
    t.equal(keyspaceDigest(ks), keyspaceDigest(new Keyspace()));
    await b.close();
  });

  t.test(`${sut.name}: every effect kind, all 16 databases, binary data survive a restart`, async (t) => {
    const node = await startCatena(t);
    const rec = new Recorder(node, await sut.fresh());
    const c = await RawClient.connect(node.port);
    t.teardown(() => c.close());
    await runCommands(c, rec, everyEffectScript(), 7);
    t.ok(rec.applied > 40, `effects were written (${rec.applied})`);
    const expected = await rec.settled();
    await rec.backend.close();
    const b = await sut.open();
    t.equal(await b.appliedSeq(), expected.seq, 'the last applied sequence number survives');
    const { ks } = await loadInto(t, b);
    t.equal(keyspaceDigest(ks), expected.digest, 'reloaded keyspace has the same digest');
    // A restarted replica continues: more writes on the same store, restart again.
    rec.backend = b;
    await runCommands(c, rec, [['SELECT', '0'], ['HSET', 'h', 'after', 'restart'], ['RPUSH', 'L', 'tail'], ['DEL', 'S2'], ['FLUSHALL'], ['SET', 'only', 'one']]);
    const expected2 = await rec.settled();
    await b.close();
    const b2 = await sut.open();
    t.equal(await b2.appliedSeq(), expected2.seq);
    t.equal(keyspaceDigest((await loadInto(t, b2)).ks), expected2.digest, 'and again after FLUSHALL');
    await b2.close();
  });

  const genDir = path.join(__dirname, '..', 'diff');
  const generators = fs.readdirSync(genDir).filter((f) => /^gen-.*\.ts$/.test(f)).sort();
  for (const file of generators) {
    const family = file.replace(/^gen-|\.ts$/g, '');
    t.test(`${sut.name}: the ${family} workload reloads to the same keyspace`, async (t) => {
      const mod = (await import(path.join(genDir, file))) as { generate: (v: Vocab, i: number) => DiffCommand };
      const node = await startCatena(t);
      const rec = new Recorder(node, await sut.fresh());
      const c = await RawClient.connect(node.port);
      t.teardown(() => c.close());
      const v = new Vocab(new Rng(777));
      const n = sut.commandsPerFamily ?? 1500;
      const cmds: string[][] = [];
      for (let i = 0; i < n; i++) cmds.push(mod.generate(v, i).args);
      const half = Math.floor(n / 2);
      await runCommands(c, rec, cmds.slice(0, half));
      // Restart in the middle: the second half is applied on a reopened store.
      const mid = await rec.settled();
      await rec.backend.close();
      rec.backend = await sut.open();
      t.equal(await rec.backend.appliedSeq(), mid.seq);
      await runCommands(c, rec, cmds.slice(half));
      // The node's digest now, before active expiry can change it during close/open/load.
      const expected = await rec.settled();
      await rec.backend.close();
      const b = await sut.open();
      t.equal(await b.appliedSeq(), expected.seq, 'sequence number survives');
      t.equal(keyspaceDigest((await loadInto(t, b)).ks), expected.digest, 'digest equal after restart');
      await b.close();
    });
  }

  t.test(`${sut.name}: a big hash, list, set and zset load in chunks and small changes stay small`, async (t) => {
    const node = await startCatena(t);
    const rec = new Recorder(node, await sut.fresh());
    const c = await RawClient.connect(node.port);
    t.teardown(() => c.close());
    const n = 20_000;
    const cmds: string[][] = [];
    for (let i = 0; i < n; i += 1000) {
      const h = ['HSET', 'bigh'];
      const l = ['RPUSH', 'bigl'];
      const s = ['SADD', 'bigs'];
      const z = ['ZADD', 'bigz'];
      for (let j = i; j < i + 1000; j++) {
        h.push(`f${j}`, `v${j}`);
        l.push(`i${j}`);
        s.push(`m${j}`);
        z.push(String(j), `m${j}`);
      }
      cmds.push(h, l, s, z);
    }
    await runCommands(c, rec, cmds, 4);
    // One-element changes to big values: each is one small effect, whatever the size.
    const before = rec.applied;
    await runCommands(c, rec, [['HSET', 'bigh', 'f5', 'changed'], ['LSET', 'bigl', '7', 'changed'], ['SREM', 'bigs', 'm9'], ['ZADD', 'bigz', '-1', 'm3']]);
    t.equal(rec.applied - before, 4, 'four one-element changes are four effects');
    const expected = await rec.settled();
    await rec.backend.close();
    const b = await sut.open();
    t.equal(await b.appliedSeq(), expected.seq);
    const { ks, chunks } = await loadInto(t, b);
    t.ok(chunks >= Math.floor((4 * n) / loadChunkElements / 2), `loaded in ${chunks} chunks`);
    t.equal(keyspaceDigest(ks), expected.digest);
    await b.close();
  });

  t.test(`${sut.name}: the sequence number never goes backwards and empty batches count`, async (t) => {
    const b = await sut.fresh();
    await b.apply([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }], 3n);
    await b.apply([], 5n);
    t.equal(await b.appliedSeq(), 5n);
    await t.rejects(b.apply([], 4n), 'a batch with an older sequence number is refused');
    await b.close();
    const b2 = await sut.open();
    t.equal(await b2.appliedSeq(), 5n);
    await b2.close();
  });
}
