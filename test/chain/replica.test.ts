// Scenario tests for one chain's replicas, driven by messages alone, named after the paper
// they check: van Renesse & Schneider, "Chain Replication for Supporting High Throughput and
// Availability" (OSDI 2004). §2 is the protocol (updates at the head, replies from the tail);
// §3 is failures (Sent lists, resends, acknowledgements). The driver below is the smallest
// one that keeps the Output order: apply (and report applied), then send, then answer.
import t from 'tap';
import type { ChainId, Epoch, NodeId, Seq } from '../../protocol/config/cluster';
import { ChainReplica, type ChainReplicaOptions } from '../../protocol/chain/replica';
import type { AnswerItem, ChainEvent, ChainMsg, Output } from '../../protocol/chain/messages';

type P = string;
const epoch = 1 as Epoch;

/** The driver's result digest: FNV-1a over the previous digest and the payload (cumulative). */
function nextDigest(prev: string, payload: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${prev}|${payload}`) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

class Node {
  digest = '0';
  readonly log: string[] = [];
  readonly digests: string[] = [];
  readonly answers: AnswerItem[] = [];
  readonly events: ChainEvent[] = [];
  constructor(readonly replica: ChainReplica<P>) {}
}

class Net {
  readonly nodes = new Map<string, Node>();
  /** FIFO links, one queue per direction. */
  readonly links = new Map<string, ChainMsg<P>[]>();
  readonly chain: ChainId;

  constructor(readonly members: NodeId[], extra: Partial<ChainReplicaOptions> = {}) {
    this.chain = members.join('>') as ChainId;
    for (const self of members) {
      this.nodes.set(self, new Node(new ChainReplica<P>({ chain: this.chain, self, members, epoch, appliedSeq: 0 as Seq, ...extra })));
    }
  }

  node(id: string): Node {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  link(from: string, to: string): ChainMsg<P>[] {
    const key = `${from}->${to}`;
    let q = this.links.get(key);
    if (q === undefined) this.links.set(key, (q = []));
    return q;
  }

  /** Carries out an Output in the documented order. */
  run(id: string, out: Output<P>): void {
    const node = this.node(id);
    for (const item of out.apply) {
      node.log.push(item.payload);
      node.digest = nextDigest(node.digest, item.payload);
      node.digests.push(node.digest);
      this.run(id, node.replica.applied(item.seq, node.digest));
    }
    for (const s of out.send) this.link(id, s.to).push(s.msg);
    node.answers.push(...out.answer);
    node.events.push(...out.events);
  }

  submit(payload: string, request: number): Seq {
    const head = this.members[0] as NodeId;
    const r = this.node(head).replica.submit(payload, { node: 'client-node' as NodeId, request });
    if ('error' in r) throw new Error(r.error);
    this.run(head, r.out);
    return r.seq;
  }

  /** Delivers up to `count` messages from `from` to `to`, in FIFO order. */
  deliver(from: string, to: string, count = Infinity): number {
    const q = this.link(from, to);
    let n = 0;
    while (q.length > 0 && n < count) {
      this.run(to, this.node(to).replica.step(from as NodeId, q.shift() as ChainMsg<P>));
      n++;
    }
    return n;
  }

  settle(): void {
    for (let moved = 1; moved > 0; ) {
      moved = 0;
      for (const key of [...this.links.keys()]) {
        const [from, to] = key.split('->') as [string, string];
        moved += this.deliver(from, to);
      }
    }
  }

  /** A link breaks (what was in flight both ways is lost) and comes back: both ends hear linkUp. */
  reconnect(a: string, b: string): void {
    this.link(a, b).length = 0;
    this.link(b, a).length = 0;
    this.run(a, this.node(a).replica.linkUp(b as NodeId));
    this.run(b, this.node(b).replica.linkUp(a as NodeId));
  }
}

const ids = (...xs: string[]): NodeId[] => xs as NodeId[];

t.test('§2 Chain Replication Protocol: updates flow head to tail, the tail answers in seq order, acks clear every Sent list', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  t.same([1, 2, 3].map((i) => net.submit(`set k ${i}`, 100 + i)), [1, 2, 3], 'the head assigns 1, 2, 3');
  t.same(net.node('n1').log, ['set k 1', 'set k 2', 'set k 3'], 'the head applies first');
  t.equal(net.node('n1').replica.stats().sentLength, 3, 'forwarded updates wait in the head\'s Sent list');
  t.equal(net.link('n1', 'n2').length, 3);
  t.same(net.node('n3').answers, [], 'nothing is answered before the tail applies');

  net.deliver('n1', 'n2');
  t.equal(net.node('n2').replica.stats().sentLength, 3);
  net.deliver('n2', 'n3', 1);
  t.same(net.node('n3').answers.map((a) => [a.seq, a.origin.request]), [[1, 101]], 'the tail answers update 1 as soon as it applies it');
  net.settle();

  for (const id of ['n1', 'n2', 'n3']) {
    t.same(net.node(id).log, ['set k 1', 'set k 2', 'set k 3'], `${id} applied 1..3 in order`);
    const s = net.node(id).replica.stats();
    t.same([s.appliedSeq, s.ackedSeq, s.sentLength, s.applyPending], [3, 3, 0, 0], `${id}: all applied, acked, Sent empty`);
  }
  t.same(net.node('n3').answers.map((a) => a.seq), [1, 2, 3], 'the tail answered each once, in order');
  t.same(net.node('n3').answers.map((a) => a.digest), net.node('n3').digests);
  t.same([net.node('n1').answers, net.node('n2').answers], [[], []], 'only the tail answers');
  t.same(['n1', 'n2', 'n3'].map((id) => net.node(id).replica.role), ['head', 'middle', 'tail']);
  t.same(['n1', 'n2', 'n3'].flatMap((id) => net.node(id).events), [], 'no events');
});

t.test('§3 failure of a link to the tail: the middle resends its Sent list on linkUp, duplicates are ignored', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  for (let i = 1; i <= 3; i++) net.submit(`u${i}`, i);
  net.deliver('n1', 'n2');
  net.deliver('n2', 'n3', 1);
  t.equal(net.link('n2', 'n3').length, 2, 'updates 2 and 3 are in flight');
  net.reconnect('n2', 'n3'); // 2 and 3 are lost with the link, and so is the tail's ack of 1
  t.equal(net.link('n2', 'n3').length, 3, 'the middle resends its whole Sent list: 1, 2, 3');
  net.settle();
  t.same(net.node('n3').log, ['u1', 'u2', 'u3'], 'the tail applied each update exactly once');
  t.equal(net.node('n3').replica.stats().duplicatesIgnored, 1, 'the resent 1 was a duplicate');
  t.same(net.node('n3').answers.map((a) => a.seq), [1, 2, 3], 'and answered each once');
  for (const id of ['n1', 'n2']) t.equal(net.node(id).replica.stats().sentLength, 0, `${id}: Sent list cleared`);
});

t.test('§3 a lost acknowledgement: the successor resends its last ack on linkUp', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  net.submit('u1', 1);
  net.submit('u2', 2);
  net.deliver('n1', 'n2');
  net.deliver('n2', 'n3');
  t.equal(net.link('n3', 'n2').length, 2, 'the tail acked 1 and 2');
  net.reconnect('n2', 'n3'); // acks lost; the middle resends 1 and 2, the tail its ack of 2
  t.same(net.link('n3', 'n2').map((m) => [m.kind, m.seq]), [['ack', 2]], 'the tail resends its last ack, once');
  net.deliver('n3', 'n2');
  t.equal(net.node('n2').replica.stats().sentLength, 0, 'one cumulative ack clears the middle');
  net.deliver('n2', 'n3'); // the two duplicates: each answered with the (cumulative) last ack again
  t.same(net.link('n3', 'n2').map((m) => [m.kind, m.seq]), [['ack', 2], ['ack', 2]], 'an already acked duplicate re-sends the ack');
  net.settle();
  t.same(net.node('n3').answers.map((a) => a.seq), [1, 2], 'no update is answered twice');
  t.equal(net.node('n1').replica.stats().sentLength, 0);
  t.same(['n1', 'n2', 'n3'].flatMap((id) => net.node(id).events), [], 'duplicate acks are not events');
});

t.test('§3 a gap (an update beyond the next) is dropped and counted', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  const tail = net.node('n3').replica;
  const out = tail.step('n2' as NodeId, { kind: 'update', epoch, chain: net.chain, seq: 5 as Seq, payload: 'u5', origin: { node: 'n1' as NodeId, request: 1 } });
  t.same(out.apply, [], 'not applied');
  t.same(out.send, []);
  t.same(out.events, [{ kind: 'gap', from: 'n2', expected: 1, got: 5 }]);
  t.equal(tail.stats().gapsDropped, 1);
  t.equal(tail.stats().handedSeq, 0);
});

t.test('a forged ack with a wrong digest raises divergence and is not forwarded', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  net.submit('u1', 1);
  net.submit('u2', 2);
  net.deliver('n1', 'n2');
  net.deliver('n2', 'n3');
  const [realAck1, realAck2] = net.link('n3', 'n2').splice(0) as [ChainMsg<P>, ChainMsg<P>];
  const middle = net.node('n2').replica;
  const out = middle.step('n3' as NodeId, { kind: 'ack', epoch, chain: net.chain, seq: 2 as Seq, digest: 'forged' });
  t.same(out.send, [], 'not forwarded to the head');
  t.same(out.events, [{ kind: 'divergence', seq: 2, mine: net.node('n2').digests[1], theirs: 'forged', from: 'n3' }]);
  t.equal(middle.stats().sentLength, 2, 'nothing is trimmed on a disbelieved ack');
  t.equal(middle.stats().divergences, 1);

  net.link('n3', 'n2').push(realAck1, realAck2);
  net.settle();
  t.equal(net.node('n1').replica.stats().sentLength, 0, 'the genuine acks still work');
  const replay = middle.step('n3' as NodeId, { kind: 'ack', epoch, chain: net.chain, seq: 2 as Seq, digest: 'forged' });
  t.same(replay.events.map((e) => e.kind), ['divergence'], 'a forged repeat of an acked seq is caught too');
  const head = net.node('n1').replica;
  t.same(head.step('n2' as NodeId, { kind: 'ack', epoch, chain: net.chain, seq: 1 as Seq, digest: 'old' }).events, [], 'an older ack is stale, ignored');
});

t.test('messages from a non-neighbour, another epoch or another chain are rejected, never applied', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  const [head, middle, tail] = ['n1', 'n2', 'n3'].map((id) => net.node(id).replica) as [ChainReplica<P>, ChainReplica<P>, ChainReplica<P>];
  const upd = (over: Partial<ChainMsg<P>> = {}): ChainMsg<P> =>
    ({ kind: 'update', epoch, chain: net.chain, seq: 1 as Seq, payload: 'x', origin: { node: 'n1' as NodeId, request: 1 }, ...over }) as ChainMsg<P>;
  const ackMsg = (over: Partial<ChainMsg<P>> = {}): ChainMsg<P> => ({ kind: 'ack', epoch, chain: net.chain, seq: 1 as Seq, digest: 'd', ...over }) as ChainMsg<P>;
  const cases: Array<[string, ChainReplica<P>, string, ChainMsg<P>, RegExp]> = [
    ['update skipping the middle', tail, 'n1', upd(), /update from n1, not the predecessor \(n2\)/],
    ['update from a stranger', middle, 'n9', upd(), /not the predecessor/],
    ['update to the head', head, 'n3', upd(), /update from n3, not the predecessor \(none: n1 is the head\)/],
    ['ack from the predecessor', middle, 'n1', ackMsg(), /ack from n1, not the successor \(n3\)/],
    ['ack to the tail', tail, 'n2', ackMsg(), /not the successor \(none: n3 is the tail\)/],
    ['another epoch', middle, 'n1', upd({ epoch: 2 as Epoch }), /epoch 2, this replica is at epoch 1/],
    ['another chain', middle, 'n1', upd({ chain: 'n1>n3>n2' as ChainId }), /chain n1>n3>n2, this replica is on n1>n2>n3/],
    ['seq 0', middle, 'n1', upd({ seq: 0 as Seq }), /bad seq 0/],
    ['an ack for an update never sent', middle, 'n3', ackMsg({ seq: 1 as Seq }), /ack for 1, never sent \(sent up to 0\)/],
  ];
  for (const [name, replica, from, msg, reason] of cases) {
    const out = replica.step(from as NodeId, msg);
    t.same([out.apply, out.send, out.answer], [[], [], []], `${name}: no effect`);
    t.match(out.events, [{ kind: 'rejected', from, msg: msg.kind, reason }], name);
  }
  t.same([head.stats().rejections, middle.stats().rejections, tail.stats().rejections], [1, 6, 2]);
  t.same([head, middle, tail].map((r) => r.stats().appliedSeq), [0, 0, 0]);
});

t.test('R=1: the head is the tail and answers directly', async (t) => {
  const net = new Net(ids('solo'));
  net.submit('a', 1);
  net.submit('b', 2);
  const solo = net.node('solo');
  t.same(solo.log, ['a', 'b']);
  t.same(solo.answers.map((a) => [a.seq, a.origin.request]), [[1, 1], [2, 2]]);
  t.same([...net.links.values()].flat(), [], 'nothing to send');
  t.same(solo.replica.stats().role, 'head');
  t.same(solo.replica.linkUp('other' as NodeId).send, [], 'linkUp with a non-neighbour does nothing');
});

t.test('R=2: head and tail only', async (t) => {
  const net = new Net(ids('a', 'b'));
  for (let i = 0; i < 5; i++) net.submit(`u${i}`, i);
  net.settle();
  t.same(net.node('b').log, net.node('a').log);
  t.same(net.node('b').answers.map((a) => a.seq), [1, 2, 3, 4, 5]);
  t.equal(net.node('a').replica.stats().sentLength, 0);
});

t.test('limits: the head refuses submit when sentUpdatesMax updates are unacknowledged (back-pressure)', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'), { sentUpdatesMax: 2 });
  const head = net.node('n1').replica;
  net.submit('u1', 1);
  const second = head.submit('u2', { node: 'c' as NodeId, request: 2 }); // handed to apply, not yet applied: it counts too
  if ('error' in second) throw new Error(second.error);
  const third = head.submit('u3', { node: 'c' as NodeId, request: 3 });
  t.match(third, { error: 'busy', reason: /2 updates unacknowledged on n1>n2>n3 \(sentUpdatesMax 2\)/ });
  net.run('n1', second.out);
  net.settle();
  t.same('seq' in head.submit('u3', { node: 'c' as NodeId, request: 3 }) ? 'accepted' : 'refused', 'accepted', 'acks reopen the window');

  // Downstream, a predecessor that overruns the window (only a faulty head could) is refused.
  const middle = new ChainReplica<P>({ chain: 'n1>n2>n3' as ChainId, self: 'n2' as NodeId, members: ids('n1', 'n2', 'n3'), epoch, appliedSeq: 0 as Seq, sentUpdatesMax: 1 });
  const upd = (seq: number): ChainMsg<P> => ({ kind: 'update', epoch, chain: middle.chain, seq: seq as Seq, payload: 'x', origin: { node: 'n1' as NodeId, request: seq } });
  t.equal(middle.step('n1' as NodeId, upd(1)).apply.length, 1);
  t.match(middle.step('n1' as NodeId, upd(2)).events, [{ kind: 'rejected', reason: /window full/ }]);
  t.equal(middle.stats().handedSeq, 1);
});

t.test('programmer errors throw', async (t) => {
  const members = ids('n1', 'n2', 'n3');
  const chain = 'n1>n2>n3' as ChainId;
  const make = (over: Partial<ChainReplicaOptions>): ChainReplica<P> => new ChainReplica<P>({ chain, self: 'n1' as NodeId, members, epoch, appliedSeq: 0 as Seq, ...over });
  t.throws(() => make({ self: 'n9' as NodeId }), /not a member/);
  t.throws(() => make({ members: ids('n1', 'n1') , chain: 'n1>n1' as ChainId }), /bad members/);
  t.throws(() => make({ members: [] }), /bad members/);
  t.throws(() => make({ chain: 'n3>n2>n1' as ChainId }), /is not members/);
  t.throws(() => make({ appliedSeq: -1 as Seq }), /appliedSeq/);
  t.throws(() => make({ epoch: 0.5 as Epoch }), /epoch/);
  t.throws(() => make({ sentUpdatesMax: 0 }), /sentUpdatesMax/);
  t.throws(() => make({ self: 'n2' as NodeId }).submit('x', { node: 'n1' as NodeId, request: 1 }), /not the head/);
  const head = make({});
  t.throws(() => head.submit('x', { node: 'n1' as NodeId, request: -1 }), /bad request/);
  t.throws(() => head.applied(1 as Seq, 'd'), /expected none pending/);
  head.submit('x', { node: 'n1' as NodeId, request: 1 });
  head.submit('y', { node: 'n1' as NodeId, request: 2 });
  t.throws(() => head.applied(2 as Seq, 'd'), /2 reported, expected 1/, 'applied out of order');
});

t.test('restart: numbering continues from the backend\'s appliedSeq; a restarted tail re-acks', async (t) => {
  const chain = 'n1>n2' as ChainId;
  const head = new ChainReplica<P>({ chain, self: 'n1' as NodeId, members: ids('n1', 'n2'), epoch, appliedSeq: 10 as Seq });
  const r = head.submit('x', { node: 'n1' as NodeId, request: 1 });
  t.match(r, { seq: 11 });
  const tail = new ChainReplica<P>({ chain, self: 'n2' as NodeId, members: ids('n1', 'n2'), epoch, appliedSeq: 10 as Seq, appliedDigest: 'd10' });
  t.same(tail.linkUp('n1' as NodeId).send, [{ to: 'n1', msg: { kind: 'ack', epoch, chain, seq: 10, digest: 'd10' } }]);
  const dup = tail.step('n1' as NodeId, { kind: 'update', epoch, chain, seq: 10 as Seq, payload: 'x', origin: { node: 'n1' as NodeId, request: 1 } });
  t.same(dup.send.map((s) => s.msg.seq), [10], 'a duplicate from before the restart is re-acked');
  t.same(head.linkUp('n2' as NodeId).send, [], 'the head has forwarded nothing yet: nothing to resend');
  t.same(head.step('n2' as NodeId, { kind: 'ack', epoch, chain, seq: 10 as Seq, digest: 'd10' }).events, [], 'an ack from before the restart is stale');
});

t.test('tick counts; stats report the state', async (t) => {
  const net = new Net(ids('n1', 'n2', 'n3'));
  const middle = net.node('n2').replica;
  t.same(middle.tick(), { apply: [], send: [], answer: [], events: [] });
  middle.tick();
  t.same(middle.stats(), {
    role: 'middle', appliedSeq: 0, handedSeq: 0, ackedSeq: 0, sentLength: 0, applyPending: 0,
    gapsDropped: 0, duplicatesIgnored: 0, rejections: 0, divergences: 0, ticks: 2,
  });
});
