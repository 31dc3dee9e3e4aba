// Seeded deterministic simulation of one chain (STYLE #8), checking §2 and §3 of van Renesse
// & Schneider, "Chain Replication for Supporting High Throughput and Availability" (OSDI 2004).
//
// Fault model: links are FIFO per direction; a link may break at any moment, losing every
// message in flight both ways, and messages sent while it is down are lost; it then comes
// back and both ends hear linkUp. Delivery, application (the driver's apply + durable) and
// new submissions interleave in a random order drawn from the seed. Replicas do not crash
// (recovering from a crash is a reconfiguration, outside this core) and are honest, except
// in the negative controls, which prove the checker can fail.
//
// Checked: every replica applies exactly 1..n in order with the same payloads and ends with
// the same digest; the tail answers every update exactly once, in seq order; every Sent list
// and apply queue ends empty; no divergence, rejection or gap is ever reported.
// A failure prints the seed; `runSim({ ...options, seed })` reproduces it exactly.
import t from 'tap';
import type { ChainId, Epoch, NodeId, Seq } from '../../protocol/config/cluster';
import { ChainReplica, type ChainReplicaOptions } from '../../protocol/chain/replica';
import type { AnswerItem, ApplyItem, ChainEvent, ChainMsg, Output } from '../../protocol/chain/messages';

type P = string;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function nextDigest(prev: string, payload: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${prev}|${payload}`) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

interface SimOptions {
  seed: number;
  replicas: number;
  updates: number;
  /** Chance, per scheduler step, that a random up link breaks. */
  breakChance: number;
  sentUpdatesMax?: number;
  /** Builds each replica; the negative controls substitute broken ones. */
  makeReplica?: (options: ChainReplicaOptions) => ChainReplica<P>;
  /** A lying driver: this node reports a wrong digest for this seq (and keeps it). */
  lie?: { node: string; seq: number };
}

/** What the driver still has to do for a node, in order: apply one item, or release an Output's sends. */
type Work = { kind: 'apply'; item: ApplyItem<P> } | { kind: 'release'; out: Output<P> };

interface SimNode {
  id: NodeId;
  replica: ChainReplica<P>;
  work: Work[];
  digest: string;
  log: Array<{ seq: number; payload: string }>;
  answers: AnswerItem[];
  events: ChainEvent[];
}

interface SimResult {
  nodes: SimNode[];
  finished: boolean;
  steps: number;
  breaks: number;
  busyRefusals: number;
  /** Hash of every scheduler decision: equal seeds must give equal traces. */
  trace: string;
}

function runSim(o: SimOptions): SimResult {
  const random = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const members = Array.from({ length: o.replicas }, (_, i) => `n${i + 1}` as NodeId);
  const chain = members.join('>') as ChainId;
  const make = o.makeReplica ?? ((opts: ChainReplicaOptions) => new ChainReplica<P>(opts));
  const nodes = members.map(
    (id): SimNode => ({
      id,
      replica: make({ chain, self: id, members, epoch: 1 as Epoch, appliedSeq: 0 as Seq, ...(o.sentUpdatesMax === undefined ? {} : { sentUpdatesMax: o.sentUpdatesMax }) }),
      work: [],
      digest: '0',
      log: [],
      answers: [],
      events: [],
    }),
  );
  const byId = new Map(nodes.map((n) => [n.id as string, n]));
  const node = (id: string): SimNode => byId.get(id) as SimNode;
  // Links join neighbours only; `up[i]` is the link between members i and i+1.
  const up = members.slice(1).map(() => true);
  const queues = new Map<string, ChainMsg<P>[]>();
  const queue = (from: string, to: string): ChainMsg<P>[] => {
    const key = `${from}->${to}`;
    let q = queues.get(key);
    if (q === undefined) queues.set(key, (q = []));
    return q;
  };
  const linkIndex = (a: string, b: string): number => Math.min(members.indexOf(a as NodeId), members.indexOf(b as NodeId));
  let trace = 0x811c9dc5;
  const note = (s: string): void => {
    for (let i = 0; i < s.length; i++) trace = Math.imul(trace ^ s.charCodeAt(i), 0x01000193);
  };

  const release = (n: SimNode, out: Output<P>): void => {
    for (const s of out.send) {
      // A non-neighbour send would be a bug in the core; it would be caught as a rejection.
      const i = linkIndex(n.id, s.to);
      if (up[i] === true) queue(n.id, s.to).push(s.msg);
    }
    n.answers.push(...out.answer);
    n.events.push(...out.events);
  };
  /** Carries out an Output: applies queue up; sends wait until this Output's applies are durable. */
  const handle = (n: SimNode, out: Output<P>): void => {
    if (out.apply.length === 0) return release(n, out);
    for (const item of out.apply) n.work.push({ kind: 'apply', item });
    n.work.push({ kind: 'release', out: { ...out, apply: [] } });
  };
  const doWork = (n: SimNode): void => {
    const w = n.work.shift() as Work;
    if (w.kind === 'release') return release(n, w.out);
    n.log.push({ seq: w.item.seq, payload: w.item.payload });
    n.digest = nextDigest(n.digest, w.item.payload);
    const reported = o.lie !== undefined && o.lie.node === n.id && o.lie.seq === w.item.seq ? (n.digest = `lie-${n.digest}`) : n.digest;
    handle(n, n.replica.applied(w.item.seq, reported));
  };

  let submitted = 0;
  let busyRefusals = 0;
  let breaks = 0;
  let steps = 0;
  const stepsMax = 200_000;
  const head = nodes[0] as SimNode;
  for (; steps < stepsMax; steps++) {
    const actions: Array<() => void> = [];
    const nonEmpty = [...queues].filter(([, q]) => q.length > 0).map(([k]) => k.split('->') as [string, string]);
    const busy = nodes.filter((n) => n.work.length > 0);
    const down = up.map((u, i) => (u ? -1 : i)).filter((i) => i >= 0);
    // Weights by repetition: deliveries and work dominate, so chains fill and drain.
    if (submitted < o.updates) {
      actions.push(() => {
        const r = head.replica.submit(`u${submitted + 1}`, { node: 'origin' as NodeId, request: submitted + 1 });
        if ('error' in r) {
          busyRefusals++;
          note('busy');
          return;
        }
        submitted++;
        note(`s${r.seq}`);
        handle(head, r.out);
      });
    }
    for (let w = 0; w < 3 && nonEmpty.length > 0; w++) {
      actions.push(() => {
        const [from, to] = pick(nonEmpty);
        const msg = queue(from, to).shift() as ChainMsg<P>;
        note(`d${from}${to}${msg.kind}${msg.seq}`);
        handle(node(to), node(to).replica.step(from as NodeId, msg));
      });
    }
    for (let w = 0; w < 3 && busy.length > 0; w++) {
      actions.push(() => {
        const n = pick(busy);
        note(`w${n.id}`);
        doWork(n);
      });
    }
    if (down.length > 0) {
      actions.push(() => {
        const i = pick(down);
        const [a, b] = [members[i] as NodeId, members[i + 1] as NodeId];
        up[i] = true;
        note(`up${i}`);
        handle(node(a), node(a).replica.linkUp(b));
        handle(node(b), node(b).replica.linkUp(a));
      });
    }
    if (actions.length === 0) break; // quiescent: everything submitted, delivered, applied, links up
    if (random() < o.breakChance) {
      const candidates = up.map((u, i) => (u ? i : -1)).filter((i) => i >= 0);
      if (candidates.length > 0) {
        const i = pick(candidates);
        up[i] = false;
        breaks++;
        note(`x${i}`);
        queue(members[i] as NodeId, members[i + 1] as NodeId).length = 0;
        queue(members[i + 1] as NodeId, members[i] as NodeId).length = 0;
        continue;
      }
    }
    // Only a refused submit left to try: a correct chain never stalls like this.
    if (actions.length === 1 && submitted < o.updates && nonEmpty.length === 0 && busy.length === 0 && down.length === 0) {
      const before = busyRefusals;
      (actions[0] as () => void)();
      if (busyRefusals > before) break;
      continue;
    }
    pick(actions)();
  }
  const finished = submitted === o.updates && [...queues.values()].every((q) => q.length === 0) && nodes.every((n) => n.work.length === 0) && up.every((u) => u);
  return { nodes, finished, steps, breaks, busyRefusals, trace: (trace >>> 0).toString(16) };
}

/** Every way the run broke the chain-replication guarantees; empty when it kept them all. */
function check(r: SimResult, updates: number): string[] {
  const problems: string[] = [];
  if (!r.finished) problems.push(`did not finish in ${r.steps} steps`);
  const expected = Array.from({ length: updates }, (_, i) => `${i + 1}:u${i + 1}`).join(',');
  for (const n of r.nodes) {
    const log = n.log.map((e) => `${e.seq}:${e.payload}`).join(',');
    if (log !== expected) problems.push(`${n.id} applied [${log.slice(0, 120)}], not 1..${updates} in order`);
    const s = n.replica.stats();
    if (s.sentLength !== 0) problems.push(`${n.id} Sent list holds ${s.sentLength}`);
    if (s.applyPending !== 0) problems.push(`${n.id} has ${s.applyPending} updates pending apply`);
    if (s.ackedSeq !== updates) problems.push(`${n.id} acked ${s.ackedSeq} of ${updates}`);
    if (s.gapsDropped !== 0) problems.push(`${n.id} dropped ${s.gapsDropped} gaps`);
    for (const e of n.events) problems.push(`${n.id} event ${JSON.stringify(e)}`);
  }
  const tail = r.nodes[r.nodes.length - 1] as SimNode;
  const answered = tail.answers.map((a) => `${a.seq}:${a.origin.request}`).join(',');
  const wanted = Array.from({ length: updates }, (_, i) => `${i + 1}:${i + 1}`).join(',');
  if (answered !== wanted) problems.push(`tail answered [${answered.slice(0, 120)}], not each of 1..${updates} once in order`);
  for (const n of r.nodes.slice(0, -1)) if (n.answers.length > 0) problems.push(`${n.id} (not the tail) answered`);
  const digests = new Set(r.nodes.map((n) => n.digest));
  if (digests.size !== 1) problems.push(`replicas end with different digests: ${[...digests].join(' ')}`);
  return problems;
}

const seeds = 200;

for (const replicas of [3, 5]) {
  t.test(`${replicas}-replica chain: ${seeds} seeds with random interleaving and link breaks`, async (t) => {
    let breaks = 0;
    let duplicates = 0;
    let failures = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const updates = 20 + (seed % 41);
      const r = runSim({ seed, replicas, updates, breakChance: 0.02 });
      breaks += r.breaks;
      duplicates += r.nodes.reduce((sum, n) => sum + n.replica.stats().duplicatesIgnored, 0);
      const problems = check(r, updates);
      if (problems.length > 0 && failures++ < 3) t.fail(`seed ${seed} (replicas ${replicas}, updates ${updates}): ${problems.slice(0, 5).join('; ')}`);
    }
    t.equal(failures, 0, 'every seed keeps every guarantee');
    // The faults were really exercised, or the passes above would mean little.
    t.ok(breaks > seeds, `links broke ${breaks} times`);
    t.ok(duplicates > seeds, `${duplicates} duplicate messages after resends were ignored`);
  });
}

t.test('back-pressure in the simulation: a small window refuses submits and still delivers everything', async (t) => {
  let refusals = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const r = runSim({ seed, replicas: 3, updates: 40, breakChance: 0.02, sentUpdatesMax: 3 });
    refusals += r.busyRefusals;
    const problems = check(r, 40);
    if (problems.length > 0) t.fail(`seed ${seed}: ${problems.slice(0, 5).join('; ')}`);
    for (const n of r.nodes) if (n.replica.stats().rejections > 0) t.fail(`seed ${seed}: window rejections downstream`);
  }
  t.ok(refusals > 0, `${refusals} submits refused while the window was full`);
});

t.test('a seed reproduces its run exactly', async (t) => {
  const a = runSim({ seed: 42, replicas: 5, updates: 50, breakChance: 0.03 });
  const b = runSim({ seed: 42, replicas: 5, updates: 50, breakChance: 0.03 });
  const c = runSim({ seed: 43, replicas: 5, updates: 50, breakChance: 0.03 });
  t.equal(a.trace, b.trace);
  t.equal(a.steps, b.steps);
  t.not(a.trace, c.trace, 'and another seed gives another run');
});

// Negative controls (STYLE #8): the checker must catch a broken setup, or its passes prove nothing.

/** Forgets to resend its Sent list to its successor on linkUp (§3's recovery skipped). */
class SkipsResend extends ChainReplica<P> {
  skipped = 0;
  override linkUp(peer: NodeId): Output<P> {
    const out = super.linkUp(peer);
    if (peer === this.successor && out.send.length > 0) {
      this.skipped++;
      return { ...out, send: [] };
    }
    return out;
  }
}

t.test('negative control: a replica that skips the resend on linkUp is caught', async (t) => {
  let exercised = 0;
  let caught = 0;
  for (let seed = 1; seed <= 40; seed++) {
    let broken: SkipsResend | undefined;
    const r = runSim({
      seed,
      replicas: 3,
      updates: 40,
      breakChance: 0.02,
      makeReplica: (opts) => (opts.self === 'n2' ? (broken = new SkipsResend(opts)) : new ChainReplica<P>(opts)),
    });
    if (broken === undefined || broken.skipped === 0) continue;
    exercised++;
    if (check(r, 40).length > 0) caught++;
  }
  t.ok(exercised >= 10, `the broken path ran in ${exercised} of 40 seeds`);
  // A skipped resend is harmless only when the successor already had every update in it
  // (just its acks were lost, and it re-acks on linkUp); every other run must be caught.
  t.ok(caught >= exercised / 2, `caught ${caught} of ${exercised}`);
});

t.test('negative control: a replica reporting a wrong digest is caught, and its chain says so', async (t) => {
  for (const [replicas, liar] of [[3, 'n2'], [3, 'n3'], [5, 'n4'], [3, 'n1']] as const) {
    const r = runSim({ seed: 7, replicas, updates: 30, breakChance: 0.02, lie: { node: liar, seq: 5 } });
    const problems = check(r, 30);
    t.ok(problems.length > 0, `${liar} of ${replicas} lying at update 5: the checker fails`);
    const divergences = r.nodes.flatMap((n) => n.events.filter((e) => e.kind === 'divergence').map((e) => `${n.id}<${e.from}@${e.seq}`));
    t.ok(divergences.length > 0, `and a neighbour reports divergence: ${divergences.slice(0, 3).join(' ')}`);
    t.ok(r.nodes.some((n) => n.replica.stats().sentLength > 0), 'no ack past the liar is believed: a Sent list stays full');
  }
});
