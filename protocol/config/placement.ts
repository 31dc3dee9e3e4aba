/**
 * Slot → chain placement: a consistent-hash ring with `vnodes` points per node; slot s sits at
 * its position s * 2^32 / 16384 (contiguous arcs) and its chain is the first R distinct nodes clockwise (head first, tail
 * last). Pure and deterministic: the same configuration gives the same table on every node.
 */

import type { ChainId, ClusterConfig, NodeId } from './cluster';
import { slotCount } from './slots';

export type Role = 'head' | 'middle' | 'tail';

/** Bytes of a string in UTF-8 (protocol/ has no TextEncoder: it is not in ES2022). */
export function utf8Bytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/**
 * MurmurHash3 x86_32 (Appleby), the ring's hash. Chosen over FNV-1a because its finaliser
 * mixes short, similar keys (`n1#0`, `n1#1`, `slot:17`) across all 32 bits, which keeps the
 * ring's arcs even. Frozen: changing it moves every slot.
 */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  const at = (i: number): number => bytes[i] as number;
  for (let i = 0; i < blocks; i += 4) {
    let k = at(i) | (at(i + 1) << 8) | (at(i + 2) << 16) | (at(i + 3) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= at(blocks + 2) << 16;
    if (rest >= 2) k ^= at(blocks + 1) << 8;
    k ^= at(blocks);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The ring position of a string key (a node's virtual point or a slot). */
export function ringHash(key: string): number {
  return murmur3(utf8Bytes(key));
}

export function chainIdOf(members: readonly NodeId[]): ChainId {
  return members.join('>') as ChainId;
}

/**
 * Where slot s sits on the ring: its share of the 32-bit circle, s * 2^32 / 16384. Consecutive
 * slots sit side by side, so the slots between two virtual points form one contiguous range
 * (about nodes x vnodes ranges in all, which keeps CLUSTER SLOTS small); hashing each slot
 * apart would scatter them into ~one range per slot. Adding a node still moves only the arcs
 * its points take, ~1/N of the slots.
 */
export function slotRingPosition(slot: number): number {
  return slot * 262144;
}

export class Placement {
  readonly replication: number;
  readonly vnodes: number;
  /** Every chain in use, sorted; `slotChain` holds indexes into it. */
  private readonly chainIds: ChainId[];
  private readonly chainMembers = new Map<ChainId, readonly NodeId[]>();
  private readonly chainSlots = new Map<ChainId, Array<[number, number]>>();
  private readonly slotChain = new Uint16Array(slotCount);
  private readonly ranges: Array<{ from: number; to: number; chain: ChainId }> = [];

  constructor(config: ClusterConfig) {
    // Sorted so the ring does not depend on the order nodes are listed in the file.
    const ids = config.nodes.map((n) => n.id).sort();
    if (new Set(ids).size !== ids.length) throw new Error('Placement: duplicate node ids');
    if (!Number.isSafeInteger(config.replication) || config.replication < 1 || config.replication > ids.length) {
      throw new Error(`Placement: replication ${config.replication} with ${ids.length} nodes`);
    }
    if (!Number.isSafeInteger(config.vnodes) || config.vnodes < 1) throw new Error(`Placement: vnodes ${config.vnodes}`);
    this.replication = config.replication;
    this.vnodes = config.vnodes;

    // Ties between points (a 32-bit collision) are broken by node id (ids are sorted), so the order is total.
    const points: Array<{ hash: number; node: number }> = [];
    for (let n = 0; n < ids.length; n++) {
      for (let i = 0; i < config.vnodes; i++) points.push({ hash: ringHash(`${ids[n]}#${i}`), node: n });
    }
    points.sort((a, b) => a.hash - b.hash || a.node - b.node);
    const pointHash = Uint32Array.from(points, (p) => p.hash);
    const pointNode = Int32Array.from(points, (p) => p.node);

    const slotMembers: ChainId[] = new Array<ChainId>(slotCount);
    const picked: number[] = [];
    for (let s = 0; s < slotCount; s++) {
      const at = lowerBound(pointHash, slotRingPosition(s));
      picked.length = 0;
      for (let step = 0; picked.length < this.replication; step++) {
        const node = pointNode[(at + step) % pointNode.length] as number;
        if (!picked.includes(node)) picked.push(node);
      }
      const members = picked.map((n) => ids[n] as NodeId);
      const chain = chainIdOf(members);
      if (!this.chainMembers.has(chain)) this.chainMembers.set(chain, Object.freeze(members));
      slotMembers[s] = chain;
    }
    this.chainIds = [...this.chainMembers.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const indexOf = new Map(this.chainIds.map((c, i) => [c, i]));
    for (let s = 0; s < slotCount; s++) {
      const chain = slotMembers[s] as ChainId;
      this.slotChain[s] = indexOf.get(chain) as number;
      const last = this.ranges[this.ranges.length - 1];
      if (last !== undefined && last.chain === chain) last.to = s;
      else this.ranges.push({ from: s, to: s, chain });
    }
    for (const r of this.ranges) {
      let list = this.chainSlots.get(r.chain);
      if (list === undefined) this.chainSlots.set(r.chain, (list = []));
      list.push([r.from, r.to]);
    }
  }

  chainOfSlot(slot: number): ChainId {
    return this.chainIds[this.slotChain[checkSlot(slot)] as number] as ChainId;
  }

  /** Head..tail of a chain in this placement; empty for a chain this placement does not use (e.g. another epoch's). */
  membersOf(chain: ChainId): readonly NodeId[] {
    return this.chainMembers.get(chain) ?? [];
  }

  /** Every chain in use, sorted by id. */
  chains(): ChainId[] {
    return [...this.chainIds];
  }

  /** The slot ranges [from, to] (inclusive) a chain serves, ascending; empty for a chain not in use. */
  slotsOf(chain: ChainId): Array<[number, number]> {
    return (this.chainSlots.get(chain) ?? []).map(([from, to]) => [from, to]);
  }

  /** Maximal runs of slots with the same chain, covering 0..16383 in order. */
  slotRanges(): Array<{ from: number; to: number; chain: ChainId }> {
    return this.ranges.map((r) => ({ ...r }));
  }

  /** A node's place in a chain of this placement; null when it is not a member (or the chain is not in use). */
  roleOf(node: NodeId, chain: ChainId): Role | null {
    const members = this.membersOf(chain);
    const i = members.indexOf(node);
    if (i < 0) return null;
    if (i === 0) return 'head'; // R = 1: the head is also the tail; writes start there.
    return i === members.length - 1 ? 'tail' : 'middle';
  }

  headOf(slot: number): NodeId {
    return this.membersOf(this.chainOfSlot(slot))[0] as NodeId;
  }

  tailOf(slot: number): NodeId {
    const members = this.membersOf(this.chainOfSlot(slot));
    return members[members.length - 1] as NodeId;
  }
}

function checkSlot(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount) throw new Error(`slot out of range: ${slot}`);
  return slot;
}

/** First index whose hash is >= h, wrapping to 0 past the last point (the ring is a circle). */
function lowerBound(hashes: Uint32Array, h: number): number {
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((hashes[mid] as number) < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}
