// The redis backend passes the backend contract suite on a throw-away redis-server (or
// REDIS_URL, which the caller promises may be written; every test uses its own prefix), and
// beyond it: values are native Redis types an operator can read, an effect costs commands in
// proportion to the change (INFO commandstats), a retried batch is not applied twice, a
// prefix with glob characters is its own, list effects by index and field TTLs match the
// reference semantics, an OOM or killed Redis refuses batches as unavailable at once and a
// recovered one takes the retry with nothing half-applied or lost.
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { BackendUnavailable, type Backend } from '../../backends/backend';
import { RedisBackend, redisFormat } from '../../backends/redis/store';
import { applyEffect, type Effect } from '../../src/engine/effects';
import { Keyspace } from '../../src/engine/keyspace';
import { keyspaceDigest } from '../../src/engine/digest';
import { HashValue } from '../../src/engine/types/hash';
import { ListValue } from '../../src/engine/types/list';
import { cloneValue } from '../../src/engine/values';
import { Rng } from '../../src/engine/rng';
import { backendConformance, loadInto } from '../helpers/backend-conformance';
import { redisForBackend, startRedisServer } from '../helpers/redis-server';

const far = 4102444800000; // 2100-01-01 in ms
let prefixes = 0;
/** A prefix no other test (or earlier run on a shared REDIS_URL) uses. */
function newPrefix(tag = 'p'): string {
  return `catena-test:${process.pid}:${Date.now()}:${tag}${prefixes++}:`;
}

/** A plain client: what an operator sees with redis-cli. */
function operator(t: Test, url: string): Redis {
  const r = new Redis(url, { protocol: 2, disableClientInfo: true, lazyConnect: false });
  t.teardown(() => r.disconnect());
  return r;
}

function keyspaceOf(batches: ReadonlyArray<readonly Effect[]>): Keyspace {
  const ks = new Keyspace();
  for (const batch of batches) for (const e of batch) applyEffect(ks, e);
  return ks;
}

async function digestOf(t: Test, b: Backend): Promise<string> {
  return keyspaceDigest((await loadInto(t, b)).ks);
}

/** `INFO commandstats` as command → calls. */
async function commandCalls(r: Redis): Promise<Map<string, number>> {
  const info = await r.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
}

function callsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d !== 0 && cmd !== 'info') out[cmd] = d;
  }
  return out;
}

/** True when `p` rejects with BackendUnavailable (tap's rejects() does not test instanceof). */
async function unavailable(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    return err instanceof BackendUnavailable;
  }
}

function hashOf(fields: string[]): HashValue {
  const ks = new Keyspace();
  applyEffect(ks, { op: 'hset', db: 0, key: 'h', fields });
  return ks.db(0).data.get('h') as HashValue;
}

t.test('redis backend', async (t) => {
  const redis = await redisForBackend(t);
  if ('skip' in redis) {
    t.plan(0, redis.skip);
    return;
  }
  const url = redis.url;
  // Every backend opened here is closed at the end, even by a test that failed half way, so
  // no connection keeps the process alive.
  const opened: RedisBackend[] = [];
  t.teardown(async () => {
    for (const b of opened) await b.close();
  });
  const open = async (prefix: string, redisUrl = url) => {
    const b = await RedisBackend.open({ redisUrl, redisPrefix: prefix });
    opened.push(b);
    return b;
  };

  let prefix = newPrefix();
  backendConformance(t, {
    name: 'redis',
    open: () => open(prefix),
    fresh: () => {
      prefix = newPrefix();
      return open(prefix);
    },
  });

  t.test('values are native Redis types an operator can read', async (t) => {
    const p = newPrefix('native');
    const b = await open(p);
    const bin = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const batch: Effect[] = [
      { op: 'put', db: 0, key: 's', value: 'hello', expireAt: far },
      { op: 'put', db: 2, key: bin, value: bin, expireAt: null },
      // Expiry times at the top of Redis's range (the engine's doubles near 2^63).
      { op: 'put', db: 1, key: 'top', value: 'x', expireAt: 9223372036854775807 },
      { op: 'rpush', db: 1, key: 'high', items: ['x'] },
      { op: 'expire', db: 1, key: 'high', expireAt: 2 ** 62 + 3 * 2 ** 12 },
      { op: 'hset', db: 0, key: 'h', fields: ['f1', 'v1', 'f2', 'v2'] },
      { op: 'hexpire', db: 0, key: 'h', fields: ['f2'], expireAt: far },
      { op: 'expire', db: 0, key: 'h', expireAt: far + 1 },
      { op: 'rpush', db: 0, key: 'l', items: ['a', 'b', 'c'] },
      { op: 'lpush', db: 0, key: 'l', items: ['y', 'z'] },
      { op: 'linsert', db: 0, key: 'l', index: 2, value: 'mid' },
      { op: 'sadd', db: 0, key: 'set', members: ['m1', 'm2'] },
      { op: 'zadd', db: 0, key: 'z', members: ['lo', 'zero', 'x', 'hi'], scores: [-Infinity, 0, 1.5, Infinity] },
      // -0 survives in a skiplist (Redis's listpack, like Catena's model of it, stores 0).
      { op: 'zadd', db: 0, key: 'bigz', members: Array.from({ length: 200 }, (_, i) => `m${i}`), scores: Array.from({ length: 200 }, (_, i) => i + 1) },
      { op: 'zadd', db: 0, key: 'bigz', members: ['negzero', 'third'], scores: [-0, 1 / 3] },
    ];
    await b.apply(batch, 1n);
    const r = operator(t, url);
    t.equal(await r.type(`${p}0:s`), 'string');
    t.equal(await r.get(`${p}0:s`), 'hello');
    t.equal(await r.pexpiretime(`${p}0:s`), far, 'a real TTL');
    const binKey = Buffer.concat([Buffer.from(`${p}2:`), Buffer.from(bin, 'latin1')]);
    t.same(await r.getBuffer(binKey), Buffer.from(bin, 'latin1'), 'binary key and value, byte for byte');
    t.same(await r.hgetall(`${p}0:h`), { f1: 'v1', f2: 'v2' });
    t.ok((await r.pttl(`${p}0:h`)) > 0);
    t.same(await r.hgetall(`${p}fttl:0:h`), { f2: String(far) }, 'field TTLs in the side hash');
    t.equal(await r.pexpiretime(`${p}fttl:0:h`), far + 1, 'the side hash goes with its hash');
    t.same(await r.lrange(`${p}0:l`, 0, -1), ['z', 'y', 'mid', 'a', 'b', 'c'], 'LPUSH order, LINSERT at its index');
    t.same((await r.smembers(`${p}0:set`)).sort(), ['m1', 'm2']);
    t.same(await r.zrange(`${p}0:z`, '0', '-1', 'WITHSCORES'), ['lo', '-inf', 'zero', '0', 'x', '1.5', 'hi', 'inf'], '±inf kept');
    t.equal(await r.zscore(`${p}0:bigz`, 'negzero'), '-0', '-0 kept');
    t.equal(await r.zscore(`${p}0:bigz`, 'third'), '0.33333333333333331', '17 significant digits');
    t.equal(await r.call('PEXPIRETIME', `${p}1:top`), 9223372036854775807, 'a time past 2^63-1 is stored as the largest');
    t.equal(await r.get(`${p}seq`), '1');
    t.equal(await r.get(`${p}format`), redisFormat);
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf([batch])), 'and it loads back');
    await b.close();
    // Another format under the prefix is refused.
    await r.set(`${p}format`, 'something-else');
    await t.rejects(open(p), /format/);
  });

  t.test('an effect costs commands in proportion to the change, not the value', async (t) => {
    const p = newPrefix('cost');
    const b = await open(p);
    const fields: string[] = [];
    for (let i = 0; i < 100_000; i++) fields.push(`f${i}`, `v${i}`);
    const items = Array.from({ length: 10_000 }, (_, i) => `i${i}`);
    const setup: Effect[] = [
      { op: 'hset', db: 0, key: 'big', fields },
      { op: 'rpush', db: 0, key: 'bigl', items },
      { op: 'hset', db: 0, key: 'ttlh', fields: ['a', '1', 'b', '2'] },
      { op: 'hexpire', db: 0, key: 'ttlh', fields: ['a'], expireAt: far },
    ];
    await b.apply(setup, 1n);
    const r = operator(t, url);
    t.equal(await r.hlen(`${p}0:big`), 100_000);

    const step = async (effects: Effect[], seq: bigint) => {
      const before = await commandCalls(r);
      await b.apply(effects, seq);
      return callsBetween(before, await commandCalls(r));
    };
    const hset: Effect = { op: 'hset', db: 0, key: 'big', fields: ['f5', 'changed'] };
    t.same(await step([hset], 2n), { multi: 1, hset: 1, set: 1, exec: 1 }, 'one field of a 100,000-field hash: one HSET (and the seq SET)');
    t.same(await step([{ op: 'lset', db: 0, key: 'bigl', index: 7, value: 'x' }, { op: 'rpop', db: 0, key: 'bigl', count: 2 }], 3n), { multi: 1, lset: 1, rpop: 1, set: 1, exec: 1 });
    t.same(await step([{ op: 'hset', db: 0, key: 'ttlh', fields: ['a', 'again'] }], 4n), { multi: 1, hset: 1, hdel: 1, set: 1, exec: 1 }, 'a hash with field TTLs: HSET, and HDEL of the field TTL');
    t.same(await step([{ op: 'hset', db: 0, key: 'ttlh', fields: ['b', '3'], keepTtl: true }], 5n), { multi: 1, hset: 1, set: 1, exec: 1 }, 'keepTtl touches no TTL');
    t.same(await r.hgetall(`${p}0:ttlh`), { a: 'again', b: '3' });
    t.equal(await r.exists(`${p}fttl:0:ttlh`), 0, 'the last field TTL gone, the side hash is gone');

    const expected = keyspaceOf([setup, [hset], [{ op: 'lset', db: 0, key: 'bigl', index: 7, value: 'x' }, { op: 'rpop', db: 0, key: 'bigl', count: 2 }], [{ op: 'hset', db: 0, key: 'ttlh', fields: ['a', 'again'] }], [{ op: 'hset', db: 0, key: 'ttlh', fields: ['b', '3'], keepTtl: true }]]);
    await b.close();
    const b2 = await open(p);
    t.equal(await digestOf(t, b2), keyspaceDigest(expected));
    await b2.close();
  });

  t.test('a batch is applied once: equal sequence numbers are retries, older ones are refused', async (t) => {
    const p = newPrefix('idem');
    const b = await open(p);
    const batch: Effect[] = [
      { op: 'lpush', db: 0, key: 'l', items: ['a', 'b'] },
      { op: 'hset', db: 0, key: 'h', fields: ['n', '1'] },
    ];
    await b.apply(batch, 5n);
    await b.apply(batch, 5n);
    t.equal(await b.appliedSeq(), 5n);
    await t.rejects(b.apply(batch, 4n), /applied sequence went backwards/);
    // A lost EXEC answer: the connection drops after EXEC ran; the retry reads Pseq first.
    const r = operator(t, url);
    const more: Effect[] = [{ op: 'rpush', db: 0, key: 'l', items: ['c'] }];
    await b.apply(more, 6n);
    const clients = await r.client('LIST');
    const ids = [...String(clients).matchAll(/^id=(\d+) .*name=catena-backend /gm)].map((m) => m[1] as string);
    t.ok(ids.length >= 1, 'the backend connection is found');
    for (const id of ids) await r.client('KILL', 'ID', id);
    for (let i = 0; ; i++) {
      try {
        await b.apply(more, 6n);
        break;
      } catch (err) {
        if (!(err instanceof BackendUnavailable) || i > 100) throw err;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    t.same(await r.lrange(`${p}0:l`, 0, -1), ['b', 'a', 'c'], 'every push applied once');
    // Another process (a restarted replica) retrying the last batch does not apply it again.
    await b.close();
    const b2 = await open(p);
    await b2.apply(more, 6n);
    t.equal(await digestOf(t, b2), keyspaceDigest(keyspaceOf([batch, more])));
    await b2.close();
  });

  t.test('a prefix with glob characters loads, flushes and swaps only its own keys', async (t) => {
    // Unescaped, `a*[b]?\:` would also match the neighbour's `azzbY:` keys.
    const base = newPrefix('glob');
    const mine = await open(`${base}a*[b]?\\:`);
    const neighbour = await open(`${base}azzbY:`);
    const theirBatch: Effect[] = [
      { op: 'put', db: 0, key: 'x', value: 'theirs', expireAt: null },
      { op: 'hset', db: 1, key: 'h', fields: ['f', 'v'] },
      { op: 'hexpire', db: 1, key: 'h', fields: ['f'], expireAt: far },
      { op: 'put', db: 3, key: 'd3', value: 'theirs', expireAt: null },
    ];
    const myBatch: Effect[] = [
      { op: 'put', db: 0, key: 'y', value: 'mine', expireAt: null },
      { op: 'put', db: 1, key: 'z', value: 'mine too', expireAt: null },
      { op: 'hset', db: 1, key: 'h', fields: ['g', 'w'] },
      { op: 'hexpire', db: 1, key: 'h', fields: ['g'], expireAt: far },
      { op: 'swapdb', db: 0, other: 1 },
      { op: 'flushdb', db: 3 },
    ];
    await neighbour.apply(theirBatch, 1n);
    await mine.apply(myBatch, 1n);
    t.equal(await digestOf(t, mine), keyspaceDigest(keyspaceOf([myBatch])), 'its own keys, swapped');
    t.equal(await digestOf(t, neighbour), keyspaceDigest(keyspaceOf([theirBatch])), 'the neighbour untouched by SWAPDB and FLUSHDB');
    await mine.apply([{ op: 'flushall' }], 2n);
    t.equal(await digestOf(t, mine), keyspaceDigest(new Keyspace()), 'FLUSHALL empties the prefix');
    t.equal(await digestOf(t, neighbour), keyspaceDigest(keyspaceOf([theirBatch])), 'and only the prefix');
    const r = operator(t, url);
    t.equal(await r.get(`${base}a*[b]?\\:seq`), '2', 'its sequence number survives FLUSHALL');
    for (const b of [mine, neighbour]) await b.close();
  });

  t.test('list effects by index: LINSERT, removal at positions, TTLs kept', async (t) => {
    const p = newPrefix('list');
    const b = await open(p);
    const items = Array.from({ length: 3000 }, (_, i) => `i${i % 7}`);
    const batches: Effect[][] = [
      [
        { op: 'rpush', db: 0, key: 'l', items },
        { op: 'expire', db: 0, key: 'l', expireAt: far },
      ],
      [
        { op: 'linsert', db: 0, key: 'l', index: 1, value: 'near head' },
        { op: 'linsert', db: 0, key: 'l', index: 2500, value: 'near tail' },
        { op: 'linsert', db: 0, key: 'l', index: 3002, value: 'at the end' },
        { op: 'linsert', db: 0, key: 'l', index: 0, value: 'at the head' },
      ],
      [{ op: 'lremat', db: 0, key: 'l', indexes: [0, 3, 4, 1500, 2999] }],
      [{ op: 'lremat', db: 0, key: 'l', indexes: [5, 2990, 2997] }],
      [{ op: 'put', db: 0, key: 'small', value: (() => {
        const l = new ListValue();
        for (const v of ['a', 'b', 'c']) l.pushTail(v);
        return l;
      })(), expireAt: far }],
      // Popping the whole list and putting some back must keep its TTL.
      [{ op: 'lremat', db: 0, key: 'small', indexes: [0, 2] }],
      [{ op: 'lremat', db: 0, key: 'small', indexes: [0] }],
      [{ op: 'put', db: 0, key: 'hp', value: hashOf(['a', '1', 'b', '2']), expireAt: null }],
      [{ op: 'ltrim', db: 0, key: 'l', start: 10, stop: 20 }],
      [{ op: 'rename', db: 0, key: 'l', to: 'l2' }, { op: 'move', db: 0, key: 'l2', toDb: 5 }],
    ];
    let seq = 0n;
    for (const batch of batches) await b.apply(batch, ++seq);
    const r = operator(t, url);
    t.equal(await r.pexpiretime(`${p}5:l2`), far, 'the TTL moved with the list');
    t.equal(await r.exists(`${p}0:small`), 0, 'a list left empty is gone');
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf(batches)));
    await b.close();
  });

  t.test('field TTLs follow their hash through every key effect and reopens (random, against the reference)', async (t) => {
    // The backend keeps in memory which hashes have a side key; every way one moves, goes or
    // comes back (RENAME, MOVE, SWAPDB, FLUSHDB, put, DEL, a reopen with or without a load)
    // must keep HSET dropping the right TTLs. The reference keyspace says what is right.
    const p = newPrefix('fttl');
    const rng = new Rng(20240607);
    const ks = new Keyspace();
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
    const keys = ['a', 'b'];
    const fieldNames = ['f0', 'f1', 'f2'];
    const hashAt = (db: number, key: string): HashValue | null => {
      const v = ks.db(db).data.get(key);
      return v instanceof HashValue ? v : null;
    };
    const fieldsOf = (h: HashValue): string[] => {
      const out: string[] = [];
      h.forEach((f) => out.push(f));
      return out;
    };
    const gen = (): Effect | null => {
      const db = rng.int(2);
      const key = pick(keys);
      const h = hashAt(db, key);
      const r = rng.next();
      if (r < 0.3) return { op: 'hset', db, key, fields: [pick(fieldNames), `v${rng.int(100)}`], keepTtl: rng.next() < 0.3 };
      if (h === null) return null;
      if (r < 0.5) return { op: 'hexpire', db, key, fields: [pick(fieldsOf(h))], expireAt: rng.next() < 0.8 ? far + rng.int(1000) : null };
      if (r < 0.58) return { op: 'hdel', db, key, fields: [pick(fieldsOf(h))] };
      if (r < 0.62) return { op: 'del', db, key };
      if (r < 0.7) return { op: 'rename', db, key, to: pick(keys) };
      if (r < 0.76) return { op: 'move', db, key, toDb: 1 - db };
      if (r < 0.8) return { op: 'swapdb', db, other: rng.int(2) };
      if (r < 0.82) return { op: 'flushdb', db: rng.int(2) };
      if (r < 0.9) return { op: 'expire', db, key, expireAt: rng.next() < 0.7 ? far + rng.int(1000) : null };
      return { op: 'put', db: rng.int(2), key: pick(keys), value: cloneValue(h), expireAt: rng.next() < 0.5 ? far : null };
    };
    let b = await open(p);
    let seq = 0n;
    let mismatches = 0;
    for (let round = 1; round <= 300; round++) {
      const batch: Effect[] = [];
      for (let i = 0; i < 4; i++) {
        const e = gen();
        if (e === null) continue;
        applyEffect(ks, e);
        batch.push(e);
      }
      await b.apply(batch, ++seq);
      // A load does not rebuild the index of a backend that has applied batches: this checks it.
      if (round % 5 === 0) mismatches += (await digestOf(t, b)) === keyspaceDigest(ks) ? 0 : 1;
      if (round % 50 === 0) {
        // Reopen; every other time load first (the load builds the index, else a SCAN does).
        await b.close();
        b = await open(p);
        if (round % 100 === 0) t.equal(await digestOf(t, b), keyspaceDigest(ks), `round ${round}: reloaded equal`);
      }
    }
    t.equal(mismatches, 0, 'equal to the reference all along');
    t.equal(await digestOf(t, b), keyspaceDigest(ks), 'the store equals the reference');
    const r = operator(t, url);
    let orphans = 0;
    for (const name of await r.keys(`${p}fttl:*`)) {
      const m = /fttl:(\d+):(.*)$/.exec(name);
      if (m === null || !(await r.exists(`${p}${m[1]}:${m[2]}`))) orphans++;
    }
    t.equal(orphans, 0, 'no side key without its hash');
  });

  t.test('an empty write at an offset pads the string, as the reference does', async (t) => {
    const p = newPrefix('pad');
    const b = await open(p);
    const batch: Effect[] = [
      { op: 'setrange', db: 0, key: 'e', offset: 0, bytes: '' },
      { op: 'setrange', db: 0, key: 'padded', offset: 4, bytes: '' },
      { op: 'setrange', db: 0, key: 'x', offset: 0, bytes: 'abcdef' },
      { op: 'setrange', db: 0, key: 'x', offset: 3, bytes: '' },
      { op: 'setrange', db: 0, key: 'x', offset: 8, bytes: 'z' },
    ];
    await b.apply(batch, 1n);
    const r = operator(t, url);
    t.equal(await r.exists(`${p}0:e`), 1, 'an empty string exists');
    t.same(await r.getBuffer(`${p}0:padded`), Buffer.alloc(4));
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf([batch])));
  });

  t.test('a Redis out of memory refuses the whole batch as unavailable, and takes its retry', async (t) => {
    if (redis.server === null) {
      t.plan(0, 'REDIS_URL is set: this test reconfigures its own redis-server');
      return;
    }
    const server = await startRedisServer(t);
    const p = newPrefix('oom');
    const b = await open(p, server.url);
    const first: Effect[] = [{ op: 'rpush', db: 0, key: 'l', items: ['a'] }];
    await b.apply(first, 1n);
    const admin = operator(t, server.url);
    await admin.config('SET', 'maxmemory', '1');
    const batch: Effect[] = [
      { op: 'rpush', db: 0, key: 'l', items: ['b'] },
      { op: 'linsert', db: 0, key: 'l', index: 1, value: 'mid' },
      { op: 'flushdb', db: 3 },
    ];
    t.ok(await unavailable(b.apply(batch, 2n)), 'OOM is an operating error');
    t.same(await admin.lrange(`${p}0:l`, 0, -1), ['a'], 'nothing of it ran');
    t.equal(await admin.get(`${p}seq`), '1');
    await admin.config('SET', 'maxmemory', '0');
    await b.apply(batch, 2n);
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf([first, batch])));
  });

  t.test('Redis killed: batches fail fast; restarted: the retry succeeds, nothing half-applied or lost', async (t) => {
    if (redis.server === null) {
      t.plan(0, 'REDIS_URL is set: this test kills and restarts its own redis-server');
      return;
    }
    const server = await startRedisServer(t);
    const b = await open(newPrefix('kill'), server.url);
    const applied: Effect[][] = [];
    const first: Effect[] = [
      { op: 'rpush', db: 0, key: 'l', items: ['a'] },
      { op: 'hset', db: 0, key: 'h', fields: ['n', '1'] },
    ];
    await b.apply(first, 1n);
    applied.push(first);

    await server.kill();
    const second: Effect[] = [
      { op: 'rpush', db: 0, key: 'l', items: ['b'] },
      { op: 'lpush', db: 0, key: 'l', items: ['z'] },
      { op: 'put', db: 1, key: 's', value: 'x', expireAt: far },
    ];
    const t0 = Date.now();
    t.ok(await unavailable(b.apply(second, 2n)), 'a batch on a dead Redis is refused as unavailable');
    t.ok(Date.now() - t0 < 1000, `within a second (${Date.now() - t0} ms)`);
    t.ok(await unavailable(b.apply(second, 2n)), 'and again while it stays down');

    await server.start();
    const retry = async (batch: Effect[], seq: bigint): Promise<number> => {
      for (let i = 1; ; i++) {
        try {
          await b.apply(batch, seq);
          return i;
        } catch (err) {
          if (!(err instanceof BackendUnavailable) || i > 200) throw err;
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    };
    const attempts = await retry(second, 2n);
    t.pass(`the retry succeeded after ${attempts} attempt(s)`);
    applied.push(second);
    t.equal(await b.appliedSeq(), 2n);
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf(applied)), 'every batch once, none half');

    // Killed while a big EXEC is in flight: it committed or not, the retry settles which.
    const big: Effect[] = [];
    for (let i = 0; i < 40; i++) big.push({ op: 'rpush', db: 0, key: 'big', items: Array.from({ length: 1000 }, (_, j) => `${i}:${j}`) });
    big.push({ op: 'lpush', db: 0, key: 'l', items: ['head'] });
    const inFlight = b.apply(big, 3n).then(
      () => 'committed',
      (err: unknown) => {
        if (!(err instanceof BackendUnavailable)) throw err;
        return 'unknown';
      },
    );
    await new Promise((res) => setTimeout(res, 5));
    await server.kill();
    t.pass(`the batch in flight: ${await inFlight}`);
    await server.start();
    await retry(big, 3n);
    applied.push(big);
    t.equal(await b.appliedSeq(), 3n);
    t.equal(await digestOf(t, b), keyspaceDigest(keyspaceOf(applied)), 'the batch in flight applied exactly once');
  });

  t.test('open on a dead Redis is refused as unavailable', async (t) => {
    if (redis.server === null) {
      t.plan(0, 'REDIS_URL is set: this test needs its own redis-server');
      return;
    }
    const server = await startRedisServer(t);
    await server.kill();
    t.ok(await unavailable(open(newPrefix('dead'), server.url)), 'refused as unavailable');
  });
});
