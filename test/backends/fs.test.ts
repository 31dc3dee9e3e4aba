// The fs backend (LMDB) passes the backend contract suite, and beyond it: an effect's cost
// follows the change (one field of a 100,000-field hash is one record), a writer killed with
// SIGKILL at three moments leaves exactly the batches up to the stored sequence number, a
// directory that is not a store of this format is refused, edge cases of the list, string and
// long-name layouts match the reference semantics, and a closed store refuses work.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as ts from 'typescript';
import { open as openLmdb } from 'lmdb';
import { FsBackend } from '../../backends/fs/store';
import { BackendUnavailable } from '../../backends/backend';
import { applyEffect, type Effect } from '../../src/engine/effects';
import { Keyspace } from '../../src/engine/keyspace';
import { keyspaceDigest } from '../../src/engine/digest';
import { ListValue } from '../../src/engine/types/list';
import { HashValue } from '../../src/engine/types/hash';
import { Rng } from '../../src/engine/rng';
import { backendConformance, loadInto } from '../helpers/backend-conformance';
import { crashBatch } from './fs-crash-writer';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-fs-test-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = (): string => path.join(root, `s${++dirs}`);

let suiteDir = newDir();
backendConformance(t, {
  name: 'fs',
  open: () => FsBackend.open({ dir: suiteDir }),
  fresh: () => {
    suiteDir = newDir();
    return FsBackend.open({ dir: suiteDir });
  },
});

/** Every record of a closed store, key → value, both hex. */
function snapshot(dir: string): Map<string, string> {
  const db = openLmdb<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary', noSubdir: false });
  const out = new Map<string, string>();
  for (const { key, value } of db.getRange({})) out.set(key.toString('hex'), value.toString('hex'));
  void db.close();
  return out;
}

function changedRecords(a: Map<string, string>, b: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of b) if (a.get(k) !== v) n++;
  for (const k of a.keys()) if (!b.has(k)) n++;
  return n;
}

t.test('fs: the cost of an effect follows the change, not the value size', async (t) => {
  const dir = newDir();
  let b = await FsBackend.open({ dir });
  const fields: string[] = [];
  for (let i = 0; i < 100_000; i++) fields.push(`f${i}`, `v${i}`);
  await b.apply([{ op: 'hset', db: 0, key: 'bigh', fields }], 1n);
  t.equal(b.lastApplyStats.puts, 100_000 + 3, 'the hash: one record per field, its meta, the key id and the sequence number');
  await b.close();
  const before = snapshot(dir);
  t.ok(before.size > 100_000, `${before.size} records stored`);

  b = await FsBackend.open({ dir });
  await b.apply([{ op: 'hset', db: 0, key: 'bigh', fields: ['f500', 'changed'] }], 2n);
  t.same(b.lastApplyStats, { puts: 2, removes: 0 }, 'HSET of one field: the field record and the sequence number');
  await b.close();
  const after = snapshot(dir);
  t.equal(changedRecords(before, after), 2, 'exactly two records differ between the snapshots: the field and the sequence number');

  b = await FsBackend.open({ dir });
  const items = Array.from({ length: 20_000 }, (_, i) => `i${i}`);
  await b.apply([{ op: 'rpush', db: 0, key: 'bigl', items }, { op: 'put', db: 0, key: 'bigs', value: 'x'.repeat(1_000_000), expireAt: null }], 3n);
  const costs: Array<[string, Effect, number]> = [
    ['LPUSH of 3 items', { op: 'lpush', db: 0, key: 'bigl', items: ['a', 'b', 'c'] }, 3 + 1],
    ['LSET in the middle', { op: 'lset', db: 0, key: 'bigl', index: 10_001, value: 'set' }, 1],
    ['LINSERT in the middle', { op: 'linsert', db: 0, key: 'bigl', index: 12_345, value: 'ins' }, 1 + 1],
    ['RPOP of 2', { op: 'rpop', db: 0, key: 'bigl', count: 2 }, 1],
    ['APPEND to a 1 MB string', { op: 'setrange', db: 0, key: 'bigs', offset: 1_000_000, bytes: 'tail' }, 1 + 1],
    ['SETRANGE inside a 1 MB string', { op: 'setrange', db: 0, key: 'bigs', offset: 300_000, bytes: 'mid' }, 1],
    ['HDEL of one field', { op: 'hdel', db: 0, key: 'bigh', fields: ['f7'] }, 0],
    ['HEXPIRE of one field', { op: 'hexpire', db: 0, key: 'bigh', fields: ['f8'], expireAt: 4102444800000 }, 1],
    ['EXPIRE of a big hash', { op: 'expire', db: 0, key: 'bigh', expireAt: 4102444800000 }, 1],
    ['RENAME of a big hash', { op: 'rename', db: 0, key: 'bigh', to: 'renamed' }, 1],
  ];
  let seq = 3n;
  for (const [what, e, puts] of costs) {
    await b.apply([e], ++seq);
    const s = b.lastApplyStats;
    t.ok(s.puts === puts + 1 && s.removes <= 2, `${what}: ${s.puts} records written (expected ${puts + 1}), ${s.removes} removed`);
  }
  await b.close();
});

t.test('fs: list, string, long-name and keyspace edge cases match the reference', async (t) => {
  const dir = newDir();
  let b = await FsBackend.open({ dir });
  const ks = new Keyspace();
  const rng = new Rng(4242);
  const long = (c: string) => c.repeat(700);
  const bin = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  let seq = 0n;
  const run = async (effects: Effect[]): Promise<void> => {
    for (const e of effects) applyEffect(ks, e);
    await b.apply(effects, ++seq);
  };
  const listLen = (db: number, key: string): number => {
    const v = ks.db(db).data.get(key);
    return v instanceof ListValue ? v.size : 0;
  };
  // Lists: random operations, and many inserts at one spot (midpoints run out, a side is renumbered).
  await run([{ op: 'rpush', db: 0, key: 'L', items: ['a', 'b', 'c', 'd'] }]);
  for (let i = 0; i < 60; i++) await run([{ op: 'linsert', db: 0, key: 'L', index: 2, value: `x${i}` }]);
  for (let i = 0; i < 60; i++) await run([{ op: 'linsert', db: 0, key: 'L', index: listLen(0, 'L') - 2, value: `y${i}` }]);
  for (let i = 0; i < 400; i++) {
    const n = listLen(0, 'L');
    const r = rng.int(9);
    let e: Effect;
    if (n === 0 || r === 0) e = { op: 'rpush', db: 0, key: 'L', items: [`r${i}`, bin] };
    else if (r === 1) e = { op: 'lpush', db: 0, key: 'L', items: [`p${i}`, `q${i}`] };
    else if (r === 2) e = { op: 'linsert', db: 0, key: 'L', index: rng.int(n + 1), value: `i${i}` };
    else if (r === 3) e = { op: 'lset', db: 0, key: 'L', index: rng.int(n), value: `s${i}` };
    else if (r === 4) {
      const indexes = Array.from({ length: n }, (_, j) => j).filter(() => rng.int(6) === 0);
      e = { op: 'lremat', db: 0, key: 'L', indexes: indexes.length > 0 ? indexes : [rng.int(n)] };
    } else if (r === 5 && n > 20) e = { op: 'ltrim', db: 0, key: 'L', start: rng.int(3), stop: n - 1 - rng.int(3) };
    else if (r === 6) e = { op: 'lpop', db: 0, key: 'L', count: 1 + rng.int(Math.min(n, 3)) };
    else if (r === 7) e = { op: 'rpop', db: 0, key: 'L', count: 1 + rng.int(Math.min(n, 3)) };
    else e = { op: 'linsert', db: 0, key: 'L', index: Math.min(n, 1), value: `h${i}` };
    await run([e]);
  }
  await run([{ op: 'ltrim', db: 0, key: 'L', start: 5, stop: 2 }, { op: 'rpush', db: 0, key: 'L2', items: ['only'] }, { op: 'lpop', db: 0, key: 'L2', count: 1 }]);
  // Strings across chunk boundaries, zero-filled gaps, a collection overwritten by SETRANGE.
  await run([
    { op: 'setrange', db: 1, key: 'str', offset: 65_530, bytes: 'abcdefghijkl' },
    { op: 'setrange', db: 1, key: 'str', offset: 200_000, bytes: bin },
    { op: 'setrange', db: 1, key: 'str', offset: 10, bytes: '' },
    { op: 'setrange', db: 1, key: 'gap', offset: 70_000, bytes: '' },
    { op: 'put', db: 1, key: 'empty', value: '', expireAt: 5 },
    { op: 'sadd', db: 1, key: 'wasset', members: ['a'] },
    { op: 'setrange', db: 1, key: 'wasset', offset: 2, bytes: 'z' },
  ]);
  // Long names (past the inline limit) for keys, fields, members; binary names; -0 and ±inf.
  const h = new HashValue(1);
  h.set('pf', 'pv', ks.encoding);
  await run([
    { op: 'hset', db: 2, key: long('k'), fields: [long('f'), 'v1', long('g'), long('v'), bin, bin] },
    { op: 'hexpire', db: 2, key: long('k'), fields: [long('f'), bin], expireAt: 4102444800000 },
    { op: 'hset', db: 2, key: long('k'), fields: [long('f'), 'v2'], keepTtl: true },
    { op: 'hset', db: 2, key: long('k'), fields: [bin, 'nottl'] },
    { op: 'hexpire', db: 2, key: long('k'), fields: [long('g')], expireAt: null },
    { op: 'hexpire', db: 2, key: long('k'), fields: [], expireAt: null },
    { op: 'sadd', db: 2, key: long('s'), members: [long('m'), long('n'), ''] },
    { op: 'srem', db: 2, key: long('s'), members: [long('n')] },
    { op: 'zadd', db: 2, key: long('z'), members: [long('a'), 'b', 'c', 'd', 'e'], scores: [-0, Infinity, -Infinity, 1.5e300, 0] },
    { op: 'zadd', db: 2, key: long('z'), members: ['e'], scores: [-0] },
    { op: 'zrem', db: 2, key: long('z'), members: ['d', 'missing'] },
    { op: 'zrem', db: 2, key: 'nozset', members: ['x'] },
    { op: 'put', db: 2, key: 'ph', value: h, expireAt: 4102444800000 },
    { op: 'rename', db: 2, key: long('z'), to: long('y') },
    { op: 'rename', db: 2, key: 'ph', to: long('s') },
    { op: 'move', db: 2, key: long('y'), toDb: 9 },
    { op: 'expire', db: 9, key: long('y'), expireAt: 4102444800001 },
  ]);
  // Databases: SWAPDB twice over, FLUSHDB of a swapped one, then more writes.
  await run([
    { op: 'swapdb', db: 1, other: 2 },
    { op: 'swapdb', db: 2, other: 9 },
    { op: 'flushdb', db: 9 },
    { op: 'put', db: 9, key: 'after', value: 'flush', expireAt: null },
    { op: 'swapdb', db: 3, other: 3 },
    { op: 'del', db: 1, key: 'nothing' },
  ]);
  await b.close();
  b = await FsBackend.open({ dir });
  t.equal(await b.appliedSeq(), seq);
  t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(ks), 'reloaded keyspace equals the reference');
  // An effect that does not fit the data is refused and leaves nothing of its batch.
  await t.rejects(b.apply([{ op: 'put', db: 0, key: 'half', value: 'x', expireAt: null }, { op: 'lset', db: 0, key: 'nolist', index: 0, value: 'v' }], seq + 1n), /missing key/);
  t.equal(await b.appliedSeq(), seq, 'the refused batch did not move the sequence number');
  t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(ks), 'and wrote nothing');
  await run([{ op: 'flushall' }, { op: 'put', db: 4, key: 'k', value: 'v', expireAt: null }]);
  t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(ks), 'FLUSHALL');
  await b.close();
});

t.test('fs: sequence numbers, retries and a closed store', async (t) => {
  const dir = newDir();
  const b = await FsBackend.open({ dir });
  const batch: Effect[] = [{ op: 'rpush', db: 0, key: 'l', items: ['once'] }];
  await b.apply(batch, 7n);
  await b.apply(batch, 7n);
  const { ks } = await loadInto(t, b);
  t.same((ks.db(0).data.get('l') as ListValue).toArray(), ['once'], 'a batch retried with the same sequence number is not applied twice');
  await t.rejects(b.apply(batch, 6n), /applied sequence went backwards/);
  await t.rejects(b.apply([], 6n), /applied sequence went backwards/);
  await b.apply([], 9n);
  t.equal(await b.appliedSeq(), 9n);
  await b.close();
  await t.rejects(b.apply(batch, 10n), /after close/, 'an apply after close rejects');
  await t.rejects(b.appliedSeq(), /after close/);

  // The environment closed under the backend (as when the OS takes it away): an operating error.
  const b2 = await FsBackend.open({ dir });
  await (b2 as unknown as { store: { close(): Promise<void> } }).store.close();
  const err = await b2.apply(batch, 10n).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof BackendUnavailable, `an operating error rejects with BackendUnavailable (${String(err)})`);
  const b3 = await FsBackend.open({ dir });
  t.equal(await b3.appliedSeq(), 9n, 'and applied nothing');
  await b3.close();
});

t.test('fs: a directory that is not a store of this format is refused', async (t) => {
  const junk = newDir();
  fs.mkdirSync(junk);
  fs.writeFileSync(path.join(junk, 'notes.txt'), 'hello');
  await t.rejects(FsBackend.open({ dir: junk }), /not a Catena fs store \(it holds "notes.txt"\)/, 'foreign files');

  const garbage = newDir();
  fs.mkdirSync(garbage);
  fs.writeFileSync(path.join(garbage, 'data.mdb'), Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 251)));
  await t.rejects(FsBackend.open({ dir: garbage }), /data.mdb is not an LMDB file/, 'a garbage data.mdb');

  const other = newDir();
  const b = await FsBackend.open({ dir: other });
  await b.apply([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }], 1n);
  await b.close();
  const raw = openLmdb<Buffer, Buffer>({ path: other, keyEncoding: 'binary', encoding: 'binary', noSubdir: false });
  await raw.put(Buffer.from('\x00format', 'latin1'), Buffer.from('catena-fs 99'));
  await raw.close();
  await t.rejects(FsBackend.open({ dir: other }), /holds format "catena-fs 99"; this build reads "catena-fs 1"/, 'another format version');

  const foreign = newDir();
  const raw2 = openLmdb<Buffer, Buffer>({ path: foreign, keyEncoding: 'binary', encoding: 'binary', noSubdir: false });
  await raw2.put(Buffer.from('someone else'), Buffer.from('data'));
  await raw2.close();
  await t.rejects(FsBackend.open({ dir: foreign }), /without a format record/, 'an LMDB environment of another program');

  const fresh = await FsBackend.open({ dir: path.join(newDir(), 'nested', 'dir.with.dots') });
  t.equal(await fresh.appliedSeq(), 0n, 'a missing directory is created');
  await fresh.close();
});

/**
 * The writer as plain JavaScript: it and every file it imports, followed through relative
 * imports, transpiled (as ts-node's transpile-only mode does, without its start-up cost in
 * each child) into `out`, mirroring the repository's layout. Returns the writer's path.
 */
function compileWriter(out: string): string {
  const root = path.resolve(__dirname, '..', '..');
  const todo = [path.join(__dirname, 'fs-crash-writer.ts')];
  const seen = new Set<string>();
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const target = path.join(out, path.relative(root, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const src = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      fs.writeFileSync(target, src);
      continue;
    }
    for (const m of src.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/g)) {
      const spec = path.resolve(path.dirname(file), m[1] as string);
      const found = [spec, `${spec}.ts`, path.join(spec, 'index.ts')].find((c) => /\.(ts|json)$/.test(c) && fs.existsSync(c));
      if (found !== undefined) todo.push(found);
    }
    const js = ts.transpileModule(src, { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    fs.writeFileSync(target.replace(/\.ts$/, '.js'), js.outputText);
  }
  return path.join(out, path.relative(root, path.join(__dirname, 'fs-crash-writer.js')));
}

/** Run the writer until `killAfterMs` after its first printed sequence number; the last number it printed. */
function writeUntilKilled(writer: string, dir: string, killAfterMs: number): Promise<{ last: bigint; printed: number }> {
  // NODE_PATH: the transpiled files live outside the repository but load its packages (lmdb).
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NODE_PATH: path.resolve(__dirname, '..', '..', 'node_modules') };
  const child = spawn(process.execPath, [writer, dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let timer: NodeJS.Timeout | null = null;
  const startup = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (timer === null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (_code, signal) => {
      clearTimeout(startup);
      if (timer !== null) clearTimeout(timer);
      const lines = out.split('\n').filter((l) => /^\d+$/.test(l));
      const last = lines[lines.length - 1];
      if (signal !== 'SIGKILL' || last === undefined) reject(new Error(`writer ended by ${signal ?? 'exit'} after ${lines.length} batches: ${err}`));
      else resolve({ last: BigInt(last), printed: lines.length });
    });
  });
}

t.test('fs: a writer killed with SIGKILL leaves exactly the batches up to the stored sequence number', async (t) => {
  const writer = compileWriter(newDir());
  const dir = newDir();
  const expected = new Keyspace();
  let replayed = 0n;
  let previous = 0n;
  for (const killAfterMs of [150, 600, 1100]) {
    const { last, printed } = await writeUntilKilled(writer, dir, killAfterMs);
    const b = await FsBackend.open({ dir });
    const seq = await b.appliedSeq();
    t.ok(seq >= last && seq > previous, `killed after ${killAfterMs} ms: ${printed} batches acknowledged, the last ${last}; the store holds ${seq}`);
    while (replayed < seq) for (const e of crashBatch(++replayed)) applyEffect(expected, e);
    t.equal(keyspaceDigest((await loadInto(t, b)).ks), keyspaceDigest(expected), 'the store holds exactly batches 1..seq');
    await b.close();
    previous = seq;
  }
});
