/**
 * The HyperLogLog family, as Redis 7.0's hyperloglog.c: PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST. Values are ordinary strings in Redis's own HLL format (src/engine/hll.ts), so
 * they move between Redis and Catena with GET/SET. Data handlers only: the keyspace through
 * the Exec, every change recorded as effects sized by the change where the format allows.
 *
 * One deliberate difference: PFCOUNT of a single key with a stale cached cardinality
 * computes the count but does not write it back into the header, as Redis does. PFCOUNT is
 * a read (Redis's metadata flags it readonly) and reads never change Catena's state, since
 * replicas serve them. Replies are the same; only GET of such a key shows the stale-marked
 * cache bytes (8..15) where Redis would show the refreshed count.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { OK, StatusReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { type StringValue, isString } from '../engine/values';
import { cstr, putRaw } from './bitmaps';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllWork,
  cachedCard,
  decodeSparse,
  denseRegisters,
  hllCount,
  hllCountRaw,
  hllEncoding,
  hllMerge,
  hllPatLen,
  isValidHll,
  selfTestDenseGet,
  selfTestDenseSet,
} from '../engine/hll';

/** A string value's bytes without copying a RawString (read only). */
interface Bytes {
  b: Uint8Array;
  len: number;
}

function bytesOf(v: StringValue): Bytes {
  if (typeof v === 'string') return { b: Buffer.from(v, 'latin1'), len: v.length };
  return { b: v.buf, len: v.len };
}

/** Redis embstr strings are at most 44 bytes; dbUnshareStringValue turns them into raw. */
const EMBSTR_MAX = 44;

/** Runs of changed bytes closer than this are sent as one setrange. */
const EFFECT_GAP_MAX = 8;

/**
 * Apply a working copy back to the key with the smallest effects the change allows:
 * - a new key: one setrange creating it;
 * - a promotion to dense, or a sparse value that shrank: the whole value (setrange cannot
 *   truncate; a sparse HLL is at most hll-sparse-max-bytes);
 * - otherwise setranges of the changed bytes only (a dense register change is 1-2 bytes).
 * A value that was an embstr and did not change still becomes raw, as dbUnshareStringValue.
 */
function commit(x: Exec, key: string, orig: StringValue | undefined, w: HllWork): void {
  const out = w.bytes();
  if (orig === undefined) {
    x.setRange(key, 0, out.toString('latin1'));
    return;
  }
  const { b, len } = bytesOf(orig);
  if (w.promoted || w.len < len) {
    putRaw(x, key, out, 'keep');
    return;
  }
  let emitted = false;
  const emit = (from: number, to: number) => {
    x.setRange(key, from, out.toString('latin1', from, to));
    emitted = true;
  };
  if (w.encoding === HLL_DENSE) {
    const offs = [...new Set(w.touched)].sort((a, c) => a - c).filter((o) => out[o] !== b[o]);
    let i = 0;
    while (i < offs.length) {
      const from = offs[i] as number;
      let to = from + 1;
      i++;
      while (i < offs.length && (offs[i] as number) - to < EFFECT_GAP_MAX) to = (offs[i++] as number) + 1;
      emit(from, to);
    }
  } else {
    // Sparse edits shift the opcodes after the change: send the header byte(s) that differ
    // and the span from the first to the last differing opcode byte (or the new end).
    for (let i = 0; i < 16; i++) if (out[i] !== b[i]) emit(i, i + 1);
    let first = 16;
    while (first < len && out[first] === b[first]) first++;
    if (w.len > len) emit(Math.min(first, len), w.len);
    else if (first < len) {
      let last = len - 1;
      while (last > first && out[last] === b[last]) last--;
      emit(first, last + 1);
    }
  }
  if (!emitted && typeof orig === 'string' && orig.length <= EMBSTR_MAX) x.setRange(key, 0, '');
}

function sparseMaxBytes(x: Exec): number {
  return x.ks.encoding.hllSparseMaxBytes;
}

/** PFADD key [element ...]: 1 when the key was created or a register grew. */
function pfadd(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const v = x.lookup(key);
  let w: HllWork;
  let orig: StringValue | undefined;
  let updated = 0;
  if (v === undefined) {
    w = HllWork.empty();
    updated++;
  } else {
    if (!isString(v)) return err.wrongType;
    const { b, len } = bytesOf(v);
    if (!isValidHll(b, len)) return err.hllInvalid;
    orig = v;
    w = HllWork.copyOf(b, len);
  }
  const max = sparseMaxBytes(x);
  for (let j = 2; j < args.length; j++) {
    const r = w.add(args[j] as string, max);
    if (r === 1) updated++;
    else if (r < 0) {
      // Redis replies the error with the registers set so far left in place.
      commit(x, key, orig, w);
      return err.hllCorrupted;
    }
  }
  if (updated) w.invalidateCache();
  // The write raises "new" for a created key (Exec), which Redis sends before "pfadd".
  commit(x, key, orig, w);
  if (updated) x.notify('pfadd', key, '$');
  return updated ? 1 : 0;
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality when valid, otherwise computed
 * (and, unlike Redis, not written back: see the module comment). Several keys: the count of
 * their union, merged in a temporary register array, no key changed.
 */
function pfcount(x: Exec, args: string[]): Reply {
  if (args.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < args.length; j++) {
      const v = x.lookupRead(args[j] as string);
      if (v === undefined) continue;
      if (!isString(v)) return err.wrongType;
      const { b, len } = bytesOf(v);
      if (!isValidHll(b, len)) return err.hllInvalid;
      if (!hllMerge(max, b, len)) return err.hllCorrupted;
    }
    return hllCountRaw(max);
  }
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return 0;
  if (!isString(v)) return err.wrongType;
  const { b, len } = bytesOf(v);
  if (!isValidHll(b, len)) return err.hllInvalid;
  const cached = cachedCard(b);
  if (cached !== null) return cached;
  const card = hllCount(b, len);
  return card === null ? err.hllCorrupted : card;
}

/** PFMERGE destkey [sourcekey ...]: the register-wise max into destkey (itself a source). */
function pfmerge(x: Exec, args: string[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < args.length; j++) {
    const v = x.lookupRead(args[j] as string);
    if (v === undefined) continue;
    if (!isString(v)) return err.wrongType;
    const { b, len } = bytesOf(v);
    if (!isValidHll(b, len)) return err.hllInvalid;
    if (hllEncoding(b) === HLL_DENSE) useDense = true;
    if (!hllMerge(max, b, len)) return err.hllCorrupted;
  }
  const key = args[1] as string;
  const v = x.lookup(key);
  let w: HllWork;
  let orig: StringValue | undefined;
  if (v === undefined) {
    w = HllWork.empty();
  } else {
    // Already validated as a source above.
    orig = v as StringValue;
    const { b, len } = bytesOf(orig);
    w = HllWork.copyOf(b, len);
  }
  if (useDense && !w.toDense()) {
    commit(x, key, orig, w);
    return err.hllCorrupted;
  }
  const sparseMax = sparseMaxBytes(x);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const m = max[j] as number;
    if (m !== 0) w.set(j, m, sparseMax);
  }
  w.invalidateCache();
  commit(x, key, orig, w);
  // Redis raises "pfadd" for PFMERGE: a merge is a mass add.
  x.notify('pfadd', key, '$');
  return OK;
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. */
function pfdebug(x: Exec, args: string[]): Reply {
  const cmd = cstr(args[1] as string);
  const key = args[2] as string;
  const v = x.lookup(key);
  if (v === undefined) return err.pfdebugNoKey;
  if (!isString(v)) return err.wrongType;
  const { b, len } = bytesOf(v);
  if (!isValidHll(b, len)) return err.hllInvalid;
  const sub = cmd.toLowerCase();
  const w = HllWork.copyOf(b, len);
  if (sub === 'getreg' || sub === 'todense') {
    let converted = false;
    if (w.encoding === HLL_SPARSE) {
      if (!w.toDense()) {
        commit(x, key, v, w);
        return err.hllCorrupted;
      }
      converted = true;
    }
    commit(x, key, v, w);
    if (sub === 'todense') return converted ? 1 : 0;
    return denseRegisters(w.buf, w.len);
  }
  commit(x, key, v, w); // dbUnshareStringValue
  if (sub === 'decode') {
    if (w.encoding !== HLL_SPARSE) return err.pfdebugNotSparse;
    return decodeSparse(w.buf, w.len);
  }
  if (sub === 'encoding') return new StatusReply(w.encoding === HLL_DENSE ? 'dense' : 'sparse');
  return err.pfdebugUnknown(cmd);
}

const SELFTEST_CYCLES = 1000;

/**
 * PFSELFTEST, as Redis's: register access on a dense array against a byte array, then 10M
 * adds into a dense and a sparse HLL checking they agree and stay within the error bound.
 * Random values come from the update's seeded Rng.
 */
function pfselftest(x: Exec): Reply {
  const registers = new Uint8Array(HLL_DENSE_SIZE - 16 + 1);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < SELFTEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = x.rng.int(64);
      bytecounters[i] = r;
      selfTestDenseSet(registers, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = selfTestDenseGet(registers, i);
      if (val !== bytecounters[i]) return err.pfselftestFailed(`Register ${i} should be ${bytecounters[i]} but is ${val}`);
    }
  }
  const dense = HllWork.empty();
  dense.toDense();
  const sparse = HllWork.empty();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = x.rng.int(0x100000000);
  const seedHi = x.rng.int(0x100000000);
  const sparseMax = sparseMaxBytes(x);
  for (let j = 1; j <= 10000000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    const ele = String.fromCharCode(lo & 255, (lo >>> 8) & 255, (lo >>> 16) & 255, lo >>> 24, seedHi & 255, (seedHi >>> 8) & 255, (seedHi >>> 16) & 255, seedHi >>> 24);
    const packed = hllPatLen(ele);
    const index = packed % HLL_REGISTERS;
    const count = Math.floor(packed / HLL_REGISTERS);
    dense.set(index, count, sparseMax);
    sparse.set(index, count, sparseMax);
    if (j === checkpoint) {
      if (j < sparseMax / 2 && sparse.encoding !== HLL_SPARSE) return err.pfselftestFailed('sparse encoding not used');
      const d = hllCount(dense.buf, dense.len);
      if (d !== hllCount(sparse.buf, sparse.len)) return err.pfselftestFailed('dense/sparse disagree');
      const abserr = Math.abs(checkpoint - Number(d));
      const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
      if (abserr > maxerr) return err.pfselftestFailed(`Too big error. card:${checkpoint} abserr:${abserr}`);
      checkpoint *= 10;
    }
  }
  return OK;
}

export const commands: CommandDef[] = [
  { name: 'pfadd', data: pfadd },
  { name: 'pfcount', data: pfcount },
  { name: 'pfmerge', data: pfmerge },
  { name: 'pfdebug', data: pfdebug },
  { name: 'pfselftest', data: pfselftest },
];
