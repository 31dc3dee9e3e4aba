// The postgres backend passes the backend contract suite, and beyond it: its data are real
// tables a plain SQL query reads; an effect writes the rows it changes and no others (one
// HSET on a 100,000-field hash is one row); a lost connection or a stopped server is
// BackendUnavailable with nothing of the batch applied, and a retry then succeeds; a retry
// of a committed batch is not applied twice; the migration is idempotent and refuses a
// newer format. Runs against DATABASE_URL when set, else a throw-away server.
import t from 'tap';
import pgPromise from 'pg-promise';
import { BackendUnavailable } from '../../backends/backend';
import { PostgresBackend, postgresFormatVersion } from '../../backends/postgres/store';
import { applyEffect, type Effect } from '../../src/engine/effects';
import { Keyspace } from '../../src/engine/keyspace';
import { keyspaceDigest } from '../../src/engine/digest';
import { backendConformance, loadInto } from '../helpers/backend-conformance';
import { startPostgres } from '../helpers/postgres';

const far = 4102444800000; // 2100-01-01 in ms

/** Retry an operation while the backend is unavailable (each failure must be that, nothing else). */
async function retry<T>(fn: () => Promise<T>, attempts = 100): Promise<{ value: T; failures: number }> {
  for (let failures = 0; ; failures++) {
    try {
      return { value: await fn(), failures };
    } catch (err) {
      if (!(err instanceof BackendUnavailable) || failures >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function keyspaceOf(...batches: Effect[][]): Keyspace {
  const ks = new Keyspace();
  for (const b of batches) for (const e of b) applyEffect(ks, e);
  return ks;
}

function hashFields(n: number, prefix = 'f'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${prefix}${i}`, `v${i}`);
  return out;
}

t.test('postgres backend', async (t) => {
  const pg = await startPostgres(t);
  if (pg === null) {
    t.plan(0, 'no PostgreSQL to test against: set DATABASE_URL, or install the server binaries for a throw-away one');
    return;
  }
  const pgp = pgPromise();
  // The test's own connections, to look at the tables and to play the administrator.
  const admin = pgp({ connectionString: pg.url, max: 3, application_name: 'catena test admin' });
  t.teardown(() => admin.$pool.end());
  const open = (schema: string): Promise<PostgresBackend> => PostgresBackend.open({ postgresUrl: pg.url, postgresSchema: schema });
  const appName = (schema: string): string => `catena ${schema}`.slice(0, 63);

  let schema = pg.schema();
  backendConformance(t, {
    name: 'postgres',
    open: () => open(schema),
    fresh: () => {
      schema = pg.schema();
      return open(schema);
    },
  });

  t.test('postgres: the data are real tables a plain SQL query reads', async (t) => {
    const s = pg.schema();
    const b = await open(s);
    t.teardown(() => b.close());
    await b.apply(
      [
        { op: 'hset', db: 0, key: 'user:1', fields: ['name', 'ada', 'lang', 'en'] },
        { op: 'hexpire', db: 0, key: 'user:1', fields: ['lang'], expireAt: far },
        { op: 'zadd', db: 2, key: 'board', members: ['lo', 'hi', 'zero', 'negzero', 'mid'], scores: [-Infinity, Infinity, 0, -0, 1.5] },
        { op: 'put', db: 0, key: 'session', value: 'token', expireAt: far },
        { op: 'rpush', db: 0, key: 'queue', items: ['a', 'b'] },
        { op: 'lpush', db: 0, key: 'queue', items: ['z'] },
        { op: 'sadd', db: 1, key: 'tags', members: ['x', 'y'] },
      ],
      1n,
    );
    const S = pgp.as.name(s);
    t.same(
      await admin.any(`SELECT convert_from(field, 'UTF8') AS field, convert_from(value, 'UTF8') AS value, expire_at::text FROM ${S}.hash_fields WHERE db = 0 AND key = 'user:1'::bytea ORDER BY field`),
      [
        { field: 'lang', value: 'en', expire_at: String(far) },
        { field: 'name', value: 'ada', expire_at: null },
      ],
      "a hash's fields are rows of hash_fields, a field's TTL a column",
    );
    t.same(
      await admin.any(`SELECT convert_from(member, 'UTF8') AS member, score::text FROM ${S}.zset_members AS z WHERE db = 2 AND key = 'board'::bytea ORDER BY z.score, z.member`),
      [
        { member: 'lo', score: '-Infinity' },
        { member: 'negzero', score: '-0' },
        { member: 'zero', score: '0' },
        { member: 'mid', score: '1.5' },
        { member: 'hi', score: 'Infinity' },
      ],
      'a sorted set is rows of zset_members with float8 scores (±inf and -0 kept)',
    );
    t.same(
      await admin.any(`SELECT k.type, k.expire_at::text, convert_from(v.value, 'UTF8') AS value FROM ${S}.keys k JOIN ${S}.strings v USING (db, key) WHERE k.key = 'session'::bytea`),
      [{ type: 'string', expire_at: String(far), value: 'token' }],
      "a key's type and expiry are columns of keys",
    );
    t.same(
      (await admin.any(`SELECT convert_from(value, 'UTF8') AS v FROM ${S}.list_items WHERE key = 'queue'::bytea ORDER BY pos`)).map((r: { v: string }) => r.v),
      ['z', 'a', 'b'],
      'a list is rows of list_items in position order',
    );
    t.same(await admin.one(`SELECT format, applied_seq::text FROM ${S}.meta`), { format: postgresFormatVersion, applied_seq: '1' }, 'meta holds the format and the applied sequence number');
  });

  t.test('postgres: an effect writes the rows it changes, not the value', async (t) => {
    const s = pg.schema();
    const b = await open(s);
    t.teardown(() => b.close());
    const S = pgp.as.name(s);
    const tables = ['keys', 'strings', 'hash_fields', 'list_items', 'set_members', 'zset_members'];
    // Rows (new row versions) written by the last apply: its transaction also wrote meta,
    // so they are the rows whose xmin is the xmin of meta's row.
    const written = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const tb of tables) {
        const r = await admin.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${S}.${tb} WHERE xmin = (SELECT xmin FROM ${S}.meta)`);
        if (r.n > 0) out[tb] = r.n;
      }
      return out;
    };
    const n = 100_000;
    const items = Array.from({ length: n }, (_, i) => `i${i}`);
    await b.apply(
      [
        { op: 'hset', db: 0, key: 'big', fields: hashFields(n) },
        { op: 'rpush', db: 0, key: 'bigl', items },
      ],
      1n,
    );
    t.same(await written(), { keys: 2, hash_fields: n, list_items: n }, 'the big values were written (the measure sees writes)');
    await b.apply([{ op: 'hset', db: 0, key: 'big', fields: ['f5', 'changed'] }], 2n);
    t.same(await written(), { hash_fields: 1 }, 'HSET of one field of a 100,000-field hash writes one row');
    await b.apply([{ op: 'hset', db: 0, key: 'big', fields: ['new', 'field'] }], 3n);
    t.same(await written(), { hash_fields: 1 }, 'a new field is one row');
    await b.apply([{ op: 'hexpire', db: 0, key: 'big', fields: ['f7'], expireAt: far }], 4n);
    t.same(await written(), { hash_fields: 1 }, 'a field TTL is one row');
    await b.apply([{ op: 'lpush', db: 0, key: 'bigl', items: ['head'] }], 5n);
    t.same(await written(), { list_items: 1 }, 'LPUSH on a 100,000-item list writes one row');
    await b.apply([{ op: 'lset', db: 0, key: 'bigl', index: 50_000, value: 'mid' }], 6n);
    t.same(await written(), { list_items: 1 }, 'LSET in the middle writes one row');
    await b.apply([{ op: 'linsert', db: 0, key: 'bigl', index: 3, value: 'ins' }], 7n);
    t.same(await written(), { list_items: 4 }, 'LINSERT near the head shifts the shorter side (3 items) and adds one');
    await b.apply([{ op: 'lremat', db: 0, key: 'bigl', indexes: [n - 1] }], 8n);
    t.same(await written(), { list_items: 2 }, 'removing an item near the tail (of n + 2) renumbers the 2 after it');
    await b.apply([{ op: 'expire', db: 0, key: 'big', expireAt: far }], 9n);
    t.same(await written(), { keys: 1 }, 'EXPIRE of a big hash is one row');
    const ks = new Keyspace();
    applyEffect(ks, { op: 'hset', db: 0, key: 'big', fields: hashFields(n) });
    applyEffect(ks, { op: 'rpush', db: 0, key: 'bigl', items });
    for (const e of [
      { op: 'hset', db: 0, key: 'big', fields: ['f5', 'changed'] },
      { op: 'hset', db: 0, key: 'big', fields: ['new', 'field'] },
      { op: 'hexpire', db: 0, key: 'big', fields: ['f7'], expireAt: far },
      { op: 'lpush', db: 0, key: 'bigl', items: ['head'] },
      { op: 'lset', db: 0, key: 'bigl', index: 50_000, value: 'mid' },
      { op: 'linsert', db: 0, key: 'bigl', index: 3, value: 'ins' },
      { op: 'lremat', db: 0, key: 'bigl', indexes: [n - 1] },
      { op: 'expire', db: 0, key: 'big', expireAt: far },
    ] satisfies Effect[])
      applyEffect(ks, e);
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(ks), 'and the store holds what the effects say');
  });

  t.test('postgres: a retry of a committed batch is not applied twice; the sequence never goes back', async (t) => {
    const s = pg.schema();
    const b = await open(s);
    t.teardown(() => b.close());
    const batch: Effect[] = [
      { op: 'lpush', db: 0, key: 'q', items: ['job'] },
      { op: 'setrange', db: 0, key: 's', offset: 2, bytes: 'ab' },
      { op: 'hset', db: 0, key: 'h', fields: ['n', '1'] },
    ];
    await b.apply(batch, 5n);
    // As after a COMMIT whose answer was lost: the caller retries the same batch.
    await b.apply(batch, 5n);
    t.equal(await b.appliedSeq(), 5n);
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(keyspaceOf(batch)), 'the retried batch is in the store once');
    for (const effects of [[], batch]) {
      const err = await b.apply(effects, 4n).then(
        () => null,
        (e: unknown) => e,
      );
      t.match(err, { message: /applied sequence went backwards/ }, `an older sequence number is refused (${effects.length} effects)`);
      t.notOk(err instanceof BackendUnavailable, 'as a programming error, not an outage');
    }
    t.equal(await b.appliedSeq(), 5n);
  });

  t.test('postgres: the migration is idempotent and refuses a newer format', async (t) => {
    const s = pg.schema();
    const S = pgp.as.name(s);
    const b1 = await open(s);
    await b1.apply([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }], 1n);
    const b2 = await open(s); // while the first is open
    t.equal(await b2.appliedSeq(), 1n, 'a second open sees the data of the first');
    await b2.close();
    await b1.close();
    const b3 = await open(s);
    t.equal(keyspaceDigest((await loadInto(t, b3)).ks), keyspaceDigest(keyspaceOf([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }])));
    await b3.close();
    t.same(await admin.one(`SELECT format, applied_seq::text FROM ${S}.meta`), { format: postgresFormatVersion, applied_seq: '1' });
    const tables = await admin.one<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1`, [s]);
    t.equal(tables.n, 7, 'meta and the six data tables, once');
    await admin.none(`UPDATE ${S}.meta SET format = $1`, [postgresFormatVersion + 1]);
    await t.rejects(open(s), new RegExp(`format ${postgresFormatVersion + 1}, newer`), 'a newer format is refused');
    // A session ends on the server a moment after its client closed it.
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      left = (await admin.one<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [appName(s)])).n;
    }
    t.equal(left, 0, 'and the refused open leaves no connection behind');
  });

  t.test('postgres: a lost connection or a stopped server is BackendUnavailable; the retry succeeds', async (t) => {
    const s = pg.schema();
    const S = pgp.as.name(s);
    const b = await open(s);
    t.teardown(() => b.close());
    const first: Effect[] = [
      { op: 'hset', db: 0, key: 'h', fields: hashFields(10) },
      { op: 'zadd', db: 0, key: 'z', members: ['a'], scores: [1] },
    ];
    await b.apply(first, 1n);
    // A batch caught half-way: its zadd waits for a lock the test holds while the test
    // terminates the backend's session (what a server restart does to it).
    const second: Effect[] = [
      { op: 'hset', db: 0, key: 'h', fields: hashFields(20_000, 'g') },
      { op: 'rpush', db: 0, key: 'l', items: ['x', 'y'] },
      { op: 'zadd', db: 0, key: 'z', members: ['b'], scores: [2] },
    ];
    let outcome: unknown = 'pending';
    await admin.tx(async (a) => {
      await a.none(`LOCK TABLE ${S}.zset_members IN ACCESS EXCLUSIVE MODE`);
      const p = b.apply(second, 2n).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      let waiting = 0;
      for (let i = 0; i < 600 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        waiting = (await admin.one<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [appName(s)])).n;
      }
      t.equal(waiting, 1, 'the batch is in flight, waiting at its zadd');
      const killed = await admin.any(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [appName(s)]);
      t.ok(killed.length >= 1, `terminated the backend's sessions (${killed.length})`);
      outcome = await p;
    });
    t.ok(outcome instanceof BackendUnavailable, `the interrupted apply rejects with BackendUnavailable (${String(outcome)})`);
    const seq = await retry(() => b.appliedSeq());
    t.equal(seq.value, 1n, 'nothing of the interrupted batch was applied');
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(keyspaceOf(first)), 'the store holds the first batch only');
    const again = await retry(() => b.apply(second, 2n));
    t.pass(`the retry succeeds (after ${again.failures} more refusals)`);
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(keyspaceOf(first, second)));

    if (pg.stop === undefined || pg.restart === undefined) {
      t.comment('server stop/start: only with a throw-away server (DATABASE_URL unset)');
      return;
    }
    const third: Effect[] = [
      { op: 'del', db: 0, key: 'l' },
      { op: 'hdel', db: 0, key: 'h', fields: ['f1', 'g7'] },
      { op: 'put', db: 3, key: 'after', value: 'restart', expireAt: far },
    ];
    await pg.stop();
    const started = Date.now();
    const err = await b.apply(third, 3n).then(
      () => null,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    t.ok(err instanceof BackendUnavailable, `with the server stopped, apply rejects with BackendUnavailable (${String(err)})`);
    t.ok(took < 5000, `within a few seconds (${took} ms)`);
    await pg.restart();
    const retried = await retry(() => b.apply(third, 3n));
    t.pass(`after the server is back, the retry succeeds (after ${retried.failures} more refusals)`);
    t.equal(await b.appliedSeq(), 3n);
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(keyspaceOf(first, second, third)), 'no batch half-applied, none lost');
  });
});

