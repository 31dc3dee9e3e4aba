/**
 * Workload generator for hash field expiry (Redis 7.4: HEXPIRE, HPEXPIRE, HEXPIREAT,
 * HPEXPIREAT, HPERSIST, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME) mixed with the hash commands
 * that meet expired fields (HSET, HSETNX, HINCRBY, HINCRBYFLOAT, HDEL, reads) and the key
 * commands that carry field TTLs along (COPY, RENAME, MOVE, EXPIRE, DEL); BLPOP timeouts let
 * real time pass inside the pipeline.
 *
 * Used only by test/effects-replay.test.ts, which sends it through a real server and replays
 * the effects: TTLs of a few milliseconds make fields expire lazily (writes) and actively
 * (the server's cycle) while the run goes on. It must NOT be used by a differential test:
 * Redis 7.0 does not know these commands.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';

const SMALL = ['t0', 't1', 't2', 't\x00\xff'];
const BIG = ['tbig0'];
const FIELDS = ['a', 'b', 'c', 'd', '', '1', 'x\x00y', 'num', 'flt'];
const LONG = 'L'.repeat(70);
const CONDITIONS = ['NX', 'XX', 'GT', 'LT', 'nx', 'gT'];

function anyKey(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.03) return 'tstr';
  if (r < 0.05) return 'tnone';
  if (r < 0.25) return v.pick(BIG);
  return v.pick(SMALL);
}

function field(v: Vocab, key: string): string {
  if (BIG.includes(key) && v.chance(0.8)) return `f${v.int(0, 700)}`;
  return v.pick(FIELDS);
}

function fieldsArg(v: Vocab, key: string): string[] {
  const n = BIG.includes(key) ? v.int(1, 40) : v.int(1, 4);
  const out = ['FIELDS', String(n)];
  for (let i = 0; i < n; i++) out.push(field(v, key));
  // Now and then a count that does not match, or a missing FIELDS token.
  if (v.chance(0.03)) out[1] = String(n + 1);
  if (v.chance(0.02)) out[0] = 'FIELD';
  return out;
}

/** A time argument: mostly a few ms to seconds ahead, sometimes now or in the past, rarely bad. */
function timeArg(v: Vocab, cmd: string): string {
  const r = v.rng.next();
  const nowMs = Date.now();
  if (r < 0.03) return v.pick(['-1', 'x', '99999999999999999', '']);
  // Mostly a few ms: the run takes a few hundred ms, so these expire while it goes on.
  const inMs = r < 0.12 ? -v.int(0, 5000) : r < 0.55 ? v.int(1, 4) : r < 0.8 ? v.int(5, 150) : v.int(1000, 100000);
  switch (cmd) {
    case 'HEXPIRE':
      return String(Math.max(0, Math.ceil(inMs / 1000)));
    case 'HPEXPIRE':
      return String(Math.max(0, inMs));
    case 'HEXPIREAT':
      return String(Math.floor((nowMs + inMs) / 1000));
    default:
      return String(nowMs + inMs);
  }
}

export function generate(v: Vocab, i: number): DiffCommand {
  if (i === 0) return { args: ['SET', 'tstr', 'not a hash'] };
  const key = anyKey(v);
  const r = v.int(0, 99);
  if (r < 18) {
    const args = ['HSET', key];
    const n = BIG.includes(key) ? v.int(10, 60) : v.int(1, 3);
    for (let j = 0; j < n; j++) args.push(field(v, key), v.chance(0.02) ? LONG : v.value());
    return { args };
  }
  if (r < 38) {
    const cmd = v.pick(['HEXPIRE', 'HPEXPIRE', 'HEXPIREAT', 'HPEXPIREAT', 'HPEXPIRE', 'HPEXPIREAT']);
    const args = [cmd, key, timeArg(v, cmd)];
    if (v.chance(0.4)) args.push(v.pick(CONDITIONS));
    return { args: [...args, ...fieldsArg(v, key)] };
  }
  if (r < 44) return { args: ['HPERSIST', key, ...fieldsArg(v, key)] };
  if (r < 50) return { args: [v.pick(['HTTL', 'HPTTL', 'HEXPIRETIME', 'HPEXPIRETIME']), key, ...fieldsArg(v, key)] };
  if (r < 54) return { args: ['HSETNX', key, field(v, key), v.value()] };
  if (r < 59) return { args: ['HINCRBY', key, v.chance(0.5) ? 'num' : field(v, key), String(v.int(-10, 10))] };
  if (r < 62) return { args: ['HINCRBYFLOAT', key, v.chance(0.5) ? 'flt' : field(v, key), `${v.int(-9, 9)}.5`] };
  if (r < 68) {
    const args = ['HDEL', key];
    const n = v.int(1, 4);
    for (let j = 0; j < n; j++) args.push(field(v, key));
    return { args };
  }
  if (r < 76) {
    const read = v.pick(['HGET', 'HMGET', 'HEXISTS', 'HSTRLEN', 'HLEN', 'HGETALL', 'HKEYS', 'HVALS', 'HSCAN', 'HRANDFIELD']);
    if (read === 'HLEN' || read === 'HGETALL' || read === 'HKEYS' || read === 'HVALS') return { args: [read, key] };
    if (read === 'HSCAN') return { args: [read, key, '0', 'COUNT', '50'] };
    if (read === 'HRANDFIELD') return { args: [read, key, String(v.pick([1, 3, -5, 100])), 'WITHVALUES'] };
    return { args: [read, key, field(v, key)] };
  }
  if (r < 80) return { args: ['COPY', key, v.pick(SMALL), 'REPLACE'] };
  if (r < 83) return { args: ['RENAME', key, v.pick(SMALL)] };
  if (r < 85) return { args: ['MOVE', key, '1'] };
  if (r < 87) return { args: ['EXPIRE', key, String(v.int(1, 100))] };
  if (r < 90) return { args: ['OBJECT', 'ENCODING', key] };
  if (r < 92) return { args: ['DEL', key] };
  // Let real time pass inside the pipeline (a blocking pop that times out after 15 ms), so
  // the short field TTLs expire between commands: lazily for writes, actively in the cycle.
  if (r < 96) return { args: ['BLPOP', 'tqueue', '0.015'] };
  // Arity errors.
  return { args: [v.pick(['HEXPIRE', 'HTTL', 'HPERSIST', 'HPEXPIREAT']), key, 'FIELDS'] };
}
