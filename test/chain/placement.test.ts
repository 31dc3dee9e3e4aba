// Placement: every slot gets R distinct nodes; heads, middles and tails are spread evenly;
// adding a node moves about 1/N of the heads (consistent hashing); the table is a pure
// function of the configuration. And the cluster file validator names what is wrong.
import t from 'tap';
import { localClusterConfig, parseClusterConfig, type ChainId, type ClusterConfig, type ClusterNode, type NodeId } from '../../protocol/config/cluster';
import { Placement, chainIdOf, murmur3, utf8Bytes } from '../../protocol/config/placement';
import { slotCount } from '../../protocol/config/slots';

function membersAt(p: Placement, slot: number): readonly NodeId[] {
  return p.membersOf(p.chainOfSlot(slot));
}

t.test('murmur3 x86_32 matches the reference vectors', async (t) => {
  const h = (s: string, seed = 0): number => murmur3(utf8Bytes(s), seed);
  t.equal(h(''), 0);
  t.equal(h('test'), 0xba6bd213);
  t.equal(h('Hello, world!', 0x9747b28c), 0x24884cba);
  t.equal(h('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
  t.same([...utf8Bytes('é€😀')], [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], 'UTF-8 of 2-, 3- and 4-byte characters');
});

t.test('every slot has R distinct nodes, head first and tail last', async (t) => {
  for (const [n, r] of [[1, 1], [2, 2], [3, 3], [5, 3], [5, 1], [7, 5]] as const) {
    const p = new Placement(localClusterConfig(n, 7001, r));
    let bad = 0;
    for (let s = 0; s < slotCount; s++) {
      const m = membersAt(p, s);
      if (m.length !== r || new Set(m).size !== r || chainIdOf(m) !== p.chainOfSlot(s)) bad++;
      if (p.headOf(s) !== m[0] || p.tailOf(s) !== m[r - 1]) bad++;
    }
    t.equal(bad, 0, `${n} nodes, R=${r}`);
  }
});

t.test('roles are spread: every node heads, middles and tails some slots, heads balanced', async (t) => {
  // Measured with 64 vnodes: head shares ×N are 0.86..1.18 with 3 nodes and 0.77..1.17
  // with 5; tails 0.86..1.09 and 0.83..1.19. Asserted: each role share within [0.5/N, 1.5/N].
  for (const n of [3, 5]) {
    const p = new Placement(localClusterConfig(n, 7001));
    const count = { head: new Map<string, number>(), middle: new Map<string, number>(), tail: new Map<string, number>() };
    for (let s = 0; s < slotCount; s++) {
      const chain = p.chainOfSlot(s);
      for (const node of p.membersOf(chain)) {
        const role = p.roleOf(node, chain);
        if (role === null) throw new Error('member without a role');
        count[role].set(node, (count[role].get(node) ?? 0) + 1);
      }
    }
    for (const role of ['head', 'middle', 'tail'] as const) {
      for (let i = 1; i <= n; i++) {
        const share = (count[role].get(`n${i}`) ?? 0) / slotCount;
        t.ok(share >= 0.5 / n && share <= 1.5 / n, `${n} nodes: n${i} ${role} share ${share.toFixed(3)} within [${(0.5 / n).toFixed(3)}, ${(1.5 / n).toFixed(3)}]`);
      }
    }
  }
});

t.test('adding a 6th node to 5 moves about 1/N of the slots', async (t) => {
  // Measured: the head moves for 16.5% of slots (1/6 = 16.7%); the member set changes for
  // 43.8% (at most R/6 = 50% expected: a slot changes iff n6 lands in its first R); the order
  // never changes without the set changing. Asserted bounds: head <= 2.0/6, set <= 1.5·R/6.
  const before = new Placement(localClusterConfig(5, 7001));
  const after = new Placement(localClusterConfig(6, 7001));
  let headMoved = 0;
  let setChanged = 0;
  let notConsistent = 0;
  for (let s = 0; s < slotCount; s++) {
    const x = membersAt(before, s);
    const y = membersAt(after, s);
    if (x[0] !== y[0]) {
      headMoved++;
      if (y[0] !== 'n6') notConsistent++; // a head may only move to the new node
    }
    if ([...x].sort().join() !== [...y].sort().join()) setChanged++;
    // Consistent hashing: without n6, the new chain is a prefix of the old one, in order.
    const withoutNew = y.filter((m) => m !== 'n6');
    if (withoutNew.join('>') !== x.slice(0, withoutNew.length).join('>')) notConsistent++;
  }
  t.equal(notConsistent, 0, 'only the new node enters; the others keep their order');
  t.ok(headMoved / slotCount <= 2.0 / 6, `head moved for ${(headMoved / slotCount).toFixed(3)} of slots`);
  t.ok(headMoved / slotCount >= 0.5 / 6, 'and the new node does take a share of heads');
  t.ok(setChanged / slotCount <= (1.5 * 3) / 6, `member set changed for ${(setChanged / slotCount).toFixed(3)} of slots`);
});

t.test('placement is deterministic and independent of node order', async (t) => {
  const config = localClusterConfig(5, 7001);
  const a = new Placement(config);
  const b = new Placement(structuredClone(config));
  const c = new Placement({ ...config, nodes: [...config.nodes].reverse() });
  let differ = 0;
  for (let s = 0; s < slotCount; s++) {
    if (a.chainOfSlot(s) !== b.chainOfSlot(s) || a.chainOfSlot(s) !== c.chainOfSlot(s)) differ++;
  }
  t.equal(differ, 0);
  t.same(a.slotRanges(), c.slotRanges());
  t.same([0, 1, 12182, 16383].map((s) => new Placement(localClusterConfig(5, 9000)).chainOfSlot(s)), [0, 1, 12182, 16383].map((s) => a.chainOfSlot(s)), 'addresses do not matter');
  // Pinned: changing the hash or the walk would move slots on a live cluster.
  t.same([0, 1, 12182, 16383].map((s) => a.chainOfSlot(s)), ['n1>n2>n5', 'n1>n2>n5', 'n2>n5>n1', 'n1>n2>n5']);
});

t.test('ranges, chains and slotsOf agree with the table', async (t) => {
  const p = new Placement(localClusterConfig(5, 7001));
  const ranges = p.slotRanges();
  let next = 0;
  let prev: ChainId | undefined;
  for (const r of ranges) {
    if (r.from !== next || r.to < r.from || r.chain === prev) t.fail(`bad range ${JSON.stringify(r)}`);
    for (let s = r.from; s <= r.to; s++) if (p.chainOfSlot(s) !== r.chain) t.fail(`slot ${s}`);
    next = r.to + 1;
    prev = r.chain;
  }
  t.equal(next, slotCount, 'ranges cover 0..16383 in order');
  const chains = p.chains();
  t.same(chains, [...new Set(ranges.map((r) => r.chain))].sort(), 'chains(): the distinct chains, sorted');
  let covered = 0;
  for (const chain of chains) {
    for (const [from, to] of p.slotsOf(chain)) {
      for (let s = from; s <= to; s++) if (p.chainOfSlot(s) !== chain) t.fail(`slotsOf(${chain}) has ${s}`);
      covered += to - from + 1;
    }
  }
  t.equal(covered, slotCount, 'slotsOf partitions the slots');
  const first = chains[0] as ChainId;
  const [head, middle, tail] = p.membersOf(first) as [NodeId, NodeId, NodeId];
  t.same([p.roleOf(head, first), p.roleOf(middle, first), p.roleOf(tail, first)], ['head', 'middle', 'tail']);
  const outsider = ['n1', 'n2', 'n3', 'n4', 'n5'].find((n) => !p.membersOf(first).includes(n as NodeId)) as NodeId;
  t.equal(p.roleOf(outsider, first), null, 'a non-member has no role');
  const stale = 'n9>n8>n7' as ChainId;
  t.same(p.membersOf(stale), [], 'a chain not in this placement has no members');
  t.same(p.slotsOf(stale), []);
  t.equal(p.roleOf(head, stale), null);
  t.throws(() => p.chainOfSlot(slotCount), /out of range/);
  t.throws(() => p.chainOfSlot(-1), /out of range/);
  t.throws(() => p.chainOfSlot(1.5), /out of range/);
  const single = new Placement(localClusterConfig(1, 7001));
  t.equal(single.roleOf('n1' as NodeId, single.chainOfSlot(0)), 'head', 'R=1: the only member is the head');
});

t.test('Placement asserts a well-formed configuration', async (t) => {
  const good = localClusterConfig(3, 7001);
  t.throws(() => new Placement({ ...good, replication: 4 }), /replication/);
  t.throws(() => new Placement({ ...good, vnodes: 0 }), /vnodes/);
  t.throws(() => new Placement({ ...good, nodes: [...good.nodes, good.nodes[0] as ClusterNode] }), /duplicate/);
});

function node(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: `n${i}`, host: '127.0.0.1', port: 7000 + i, peerHost: '127.0.0.1', peerPort: 17000 + i, ...over };
}

t.test('parseClusterConfig accepts the documented format, with defaults', async (t) => {
  const full = parseClusterConfig({ epoch: 7, replication: 2, vnodes: 16, nodes: [node(1), node(2), node(3, { host: 'db3.example.com', peerHost: '::1' })] });
  if ('error' in full) throw new Error(full.error);
  t.equal(full.epoch, 7);
  t.equal(full.replication, 2);
  t.equal(full.vnodes, 16);
  t.same(full.nodes.map((n) => n.id), ['n1', 'n2', 'n3']);
  const defaults = parseClusterConfig({ nodes: [node(1), node(2), node(3), node(4)] }) as ClusterConfig;
  t.same([defaults.epoch, defaults.replication, defaults.vnodes], [1, 3, 64]);
  const small = parseClusterConfig({ nodes: [node(1)] }) as ClusterConfig;
  t.equal(small.replication, 1, 'default R is capped at the node count');
  t.same(parseClusterConfig(JSON.parse(JSON.stringify(localClusterConfig(4, 7001)))), localClusterConfig(4, 7001), 'localClusterConfig round-trips through JSON');
});

t.test('parseClusterConfig rejects each kind of bad input with a reason', async (t) => {
  const three = [node(1), node(2), node(3)];
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', [three], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
    ['unknown top-level field', { nodes: three, replicaton: 3 }, /unknown field "replicaton"/],
    ['epoch zero', { epoch: 0, nodes: three }, /^epoch:/],
    ['epoch not an integer', { epoch: 1.5, nodes: three }, /^epoch:/],
    ['epoch a string', { epoch: '1', nodes: three }, /^epoch:/],
    ['vnodes zero', { vnodes: 0, nodes: three }, /^vnodes:/],
    ['vnodes too many', { vnodes: 100000, nodes: three }, /^vnodes:/],
    ['nodes missing', {}, /^nodes: must be an array/],
    ['nodes empty', { nodes: [] }, /^nodes: must hold/],
    ['node not an object', { nodes: [node(1), 'n2'] }, /^nodes\[1\]: must be an object/],
    ['unknown node field', { nodes: [node(1, { weight: 2 })] }, /^nodes\[0\]: unknown field "weight"/],
    ['id with >', { nodes: [node(1, { id: 'n>1' })] }, /^nodes\[0\]\.id:/],
    ['id empty', { nodes: [node(1, { id: '' })] }, /^nodes\[0\]\.id:/],
    ['id too long', { nodes: [node(1, { id: 'x'.repeat(41) })] }, /^nodes\[0\]\.id:/],
    ['id missing', { nodes: [node(1, { id: undefined })] }, /^nodes\[0\]\.id:/],
    ['host with a space', { nodes: [node(1, { host: 'a b' })] }, /^nodes\[0\]\.host:/],
    ['host empty', { nodes: [node(1, { host: '' })] }, /^nodes\[0\]\.host:/],
    ['host too long', { nodes: [node(1, { host: 'h'.repeat(254) })] }, /^nodes\[0\]\.host:/],
    ['peerHost not a string', { nodes: [node(1, { peerHost: 127 })] }, /^nodes\[0\]\.peerHost:/],
    ['port zero', { nodes: [node(1, { port: 0 })] }, /^nodes\[0\]\.port: must be an integer in 1\.\.65535, got 0/],
    ['port too big', { nodes: [node(1, { port: 65536 })] }, /^nodes\[0\]\.port:/],
    ['port a string', { nodes: [node(1, { port: '7001' })] }, /^nodes\[0\]\.port:/],
    ['peerPort fractional', { nodes: [node(1, { peerPort: 17001.5 })] }, /^nodes\[0\]\.peerPort:/],
    ['duplicate id', { nodes: [node(1), node(2, { id: 'n1' })] }, /^nodes\[1\]\.id: duplicate node id "n1"/],
    ['duplicate client address', { nodes: [node(1), node(2, { port: 7001 })] }, /^nodes\[1\]\.host:port: address 127\.0\.0\.1:7001 already used by nodes\[0\]\.host:port/],
    ['peer port equal to a client port', { nodes: [node(1), node(2, { peerPort: 7001 })] }, /^nodes\[1\]\.peerHost:peerPort: address 127\.0\.0\.1:7001 already used/],
    ['own client and peer address equal', { nodes: [node(1, { peerPort: 7001 })] }, /^nodes\[0\]\.peerHost:peerPort: address/],
    ['address differs only in case', { nodes: [node(1, { host: 'DB' }), node(2, { host: 'db', port: 7001 })] }, /already used/],
    ['replication zero', { replication: 0, nodes: three }, /^replication: must be an integer in 1\.\.16/],
    ['replication above the limit', { replication: 17, nodes: three }, /^replication: must be an integer in 1\.\.16/],
    ['replication above the node count', { replication: 3, nodes: [node(1), node(2)] }, /^replication: 3 replicas need at least 3 nodes, got 2/],
  ];
  for (const [name, input, reason] of cases) {
    const got = parseClusterConfig(input);
    t.ok('error' in got, `${name}: rejected`);
    if ('error' in got) t.match(got.error, reason, `${name}: ${got.error}`);
  }
});

t.test('localClusterConfig: n1..nN on loopback, peer ports +10000', async (t) => {
  const c = localClusterConfig(3, 7001);
  t.same(c.nodes, [
    { id: 'n1', host: '127.0.0.1', port: 7001, peerHost: '127.0.0.1', peerPort: 17001 },
    { id: 'n2', host: '127.0.0.1', port: 7002, peerHost: '127.0.0.1', peerPort: 17002 },
    { id: 'n3', host: '127.0.0.1', port: 7003, peerHost: '127.0.0.1', peerPort: 17003 },
  ]);
  t.same([c.epoch, c.replication, c.vnodes], [1, 3, 64]);
  t.equal(localClusterConfig(2, 7001).replication, 2, 'R capped at n');
  t.equal(localClusterConfig(5, 7001, 2).replication, 2);
  t.throws(() => localClusterConfig(0, 7001), /node count/);
  t.throws(() => localClusterConfig(3, 60000), /do not fit/);
  t.throws(() => localClusterConfig(3, 7001, 0), /replication/);
  t.throws(() => localClusterConfig(20, 7001, 17), /replication/);
});
