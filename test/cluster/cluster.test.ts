// A Catena cluster acting as one Redis (the chain issue's tests): 3- and 5-node clusters
// (R=3) on loopback with clients on different nodes. After a concurrent mixed workload every
// replica of every chain holds the same keyspace (digests); writes are seen from every node;
// commands spanning chains are split, refused with CROSSSLOT, or spread as Redis Cluster
// users expect; transactions, WATCH, blocking pops and pub/sub work across nodes; CLUSTER
// SLOTS names the head of each range first; and single-key histories are linearizable.
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCluster, type ClusterHandle } from '../helpers/cluster';
import { RawClient } from '../helpers/raw-client';
import { Rng } from '../../src/engine/rng';
import { keySlot } from '../../protocol/config/slots';
import { clusterRequestTimeoutMs, requestSweepMs } from '../../src/cluster/limits';

function agree(t: Test, c: ClusterHandle): void {
  let chains = 0;
  for (const [chain, digests] of c.chainDigests()) {
    chains++;
    t.equal(new Set(digests.values()).size, 1, `the ${digests.size} replicas of ${chain} hold identical data`);
  }
  t.ok(chains > 0);
}

async function settle(c: ClusterHandle): Promise<void> {
  // Acks travel back after replies; give the chains a moment to drain before comparing.
  for (let i = 0; i < 100; i++) {
    let busy = false;
    for (const n of c.nodes) for (const h of n.cluster.chains.values()) if (h.replica.stats().sentLength > 0) busy = true;
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function mixedWorkload(c: ClusterHandle, clientsPerNode: number, opsPerClient: number, seed: number): Promise<number> {
  const clients = await Promise.all(c.nodes.flatMap((n) => Array.from({ length: clientsPerNode }, () => RawClient.connect(n.port))));
  const rng = new Rng(seed);
  let sent = 0;
  await Promise.all(
    clients.map(async (cl, ci) => {
      for (let batch = 0; batch < opsPerClient / 20; batch++) {
        const cmds: string[][] = [];
        for (let i = 0; i < 20; i++) {
          const k = `k${rng.int(200)}`;
          const r = rng.int(10);
          if (r === 0) cmds.push(['INCR', `n${rng.int(20)}`]);
          else if (r === 1) cmds.push(['RPUSH', `l${rng.int(20)}`, `${ci}:${batch}:${i}`]);
          else if (r === 2) cmds.push(['HSET', `h${rng.int(20)}`, `f${rng.int(50)}`, String(i)]);
          else if (r === 3) cmds.push(['SADD', `s${rng.int(20)}`, String(rng.int(100))]);
          else if (r === 4) cmds.push(['ZINCRBY', `z${rng.int(20)}`, '1.5', `m${rng.int(30)}`]);
          else if (r === 5) cmds.push(['DEL', k]);
          else if (r === 6) cmds.push(['SPOP', `s${rng.int(20)}`]);
          else if (r === 7) cmds.push(['EXPIRE', k, '1000']);
          else cmds.push(['SET', k, `${ci}-${i}`]);
        }
        cl.send(...cmds);
        for (let i = 0; i < cmds.length; i++) {
          const reply = await cl.read(10000);
          if (reply.raw.startsWith('-')) throw new Error(`${cmds[i]?.join(' ')} → ${reply.raw}`);
        }
        sent += cmds.length;
      }
    }),
  );
  for (const cl of clients) cl.close();
  return sent;
}

t.test('3 nodes: a concurrent mixed workload from clients on every node leaves every chain replica identical', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const sent = await mixedWorkload(c, 3, 400, 11);
  t.ok(sent >= 3 * 3 * 400, `${sent} commands`);
  await settle(c);
  agree(t, c);
  // SPOP is random, chosen at the head: the replicas still agree (checked above).
});

t.test('5 nodes, R=3: the same, and every node is head, middle and tail of some chains', async (t) => {
  const c = await startCluster(t, { nodes: 5 });
  for (const n of c.nodes) {
    const roles = new Set([...n.cluster.chains.values()].map((h) => h.role));
    t.same([...roles].sort(), ['head', 'middle', 'tail'], `${n.id} has every role`);
  }
  await mixedWorkload(c, 2, 300, 12);
  await settle(c);
  agree(t, c);
});

t.test('writes are seen from every node; per-key commands are split, atomic ones refused across chains', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const [a, b, d] = await Promise.all(c.nodes.map((n) => RawClient.connect(n.port)));
  t.teardown(() => [a, b, d].forEach((x) => x?.close()));
  // Find two keys on different chains.
  const chainOf = (k: string) => c.nodes[0]!.cluster.chainOfKey(k);
  let other = 'b0';
  for (let i = 0; chainOf(other) === chainOf('a'); i++) other = `b${i}`;
  t.equal(await a!.call('SET', 'a', '1'), '+OK\r\n');
  t.equal(await b!.call('SET', other, '2'), '+OK\r\n');
  for (const cl of [a!, b!, d!]) t.equal(await cl.call('MGET', 'a', other, 'missing'), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n', 'MGET merges chains in argument order');
  t.equal(await d!.call('EXISTS', 'a', other, 'a'), ':3\r\n');
  t.equal(await d!.call('MSET', 'a', 'x', other, 'y'), "-CROSSSLOT Keys in request don't hash to the same slot\r\n", 'MSET across chains');
  t.equal(await d!.call('RENAME', 'a', other), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  t.equal(await d!.call('MSET', '{u}a', 'x', '{u}b', 'y'), '+OK\r\n', 'a hash tag keeps keys together');
  t.equal(await d!.call('DBSIZE'), ':4\r\n', 'DBSIZE spans the cluster');
  t.equal(await b!.call('DEL', 'a', other, '{u}a'), ':3\r\n', 'DEL is split and summed');
  t.equal(await a!.call('DBSIZE'), ':1\r\n');
  t.equal(await a!.call('FLUSHALL'), '+OK\r\n');
  t.equal(await d!.call('DBSIZE'), ':0\r\n', 'FLUSHALL reaches every chain');
});

t.test('KEYS and a full SCAN see every key of every chain, once', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const a = await RawClient.connect(c.nodes[1]!.port);
  t.teardown(() => a.close());
  const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`);
  a.send(...keys.map((k) => ['SET', k, 'v']));
  for (const _ of keys) await a.read();
  const other = new Redis(c.nodes[2]!.port);
  t.teardown(() => other.disconnect());
  t.equal((await other.keys('key:*')).length, 300, 'KEYS spans the cluster');
  const seen: string[] = [];
  const r = new Redis(c.nodes[0]!.port);
  t.teardown(() => r.disconnect());
  let cursor = '0';
  let calls = 0;
  do {
    const [next, batch] = await r.scan(cursor, 'MATCH', 'key:*', 'COUNT', 50);
    seen.push(...batch);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 1000);
  t.same(new Set(seen), new Set(keys), 'every key is returned');
  t.equal(seen.length, 300, 'no key twice');
});

t.test('MULTI/EXEC runs atomically at the head; WATCH aborts after a change from another node', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const a = await RawClient.connect(c.nodes[0]!.port);
  const b = await RawClient.connect(c.nodes[2]!.port);
  t.teardown(() => (a.close(), b.close()));
  a.send(['MULTI'], ['SET', '{t}x', '1'], ['INCR', '{t}x'], ['PING'], ['GET', '{t}x'], ['EXEC']);
  const replies = [];
  for (let i = 0; i < 6; i++) replies.push((await a.read()).raw);
  t.equal(replies[5], '*4\r\n+OK\r\n:2\r\n+PONG\r\n$1\r\n2\r\n', 'EXEC answers every queued command in order');
  a.send(['MULTI'], ['SET', '{t}x', '1'], ['SET', 'elsewhere', '2'], ['EXEC']);
  for (let i = 0; i < 3; i++) await a.read();
  t.match((await a.read()).raw, /^-CROSSSLOT/, 'a transaction across chains is refused');
  t.equal(await a.call('WATCH', '{t}x'), '+OK\r\n');
  t.equal(await b.call('SET', '{t}x', 'changed'), '+OK\r\n');
  a.send(['MULTI'], ['SET', '{t}x', 'mine'], ['EXEC']);
  await a.read();
  await a.read();
  t.equal((await a.read()).raw, '*-1\r\n', 'EXEC aborts: a watched key changed');
  t.equal(await b.call('GET', '{t}x'), '$7\r\nchanged\r\n');
  t.equal(await a.call('WATCH', '{t}x'), '+OK\r\n');
  a.send(['MULTI'], ['SET', '{t}x', 'mine'], ['EXEC']);
  await a.read();
  await a.read();
  t.equal((await a.read()).raw, '*1\r\n+OK\r\n', 'EXEC runs when nothing watched changed');
});

t.test('a replica answers reads of clean keys itself (CRAQ), and a write is seen at once from every node', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const clients = await Promise.all(c.nodes.map((n) => RawClient.connect(n.port)));
  t.teardown(() => clients.forEach((x) => x.close()));
  const cleanReads = () => c.nodes.reduce((n, node) => n + Number(/clean_reads:(\d+)/.exec(node.cluster.infoLines().join('\n'))?.[1] ?? 0), 0);
  for (let i = 0; i < 30; i++) {
    const writer = clients[i % 3]!;
    t.equal(await writer.call('SET', `craq${i}`, `v${i}`), '+OK\r\n');
    // Right after the write's reply the acks may still be on their way: a dirty copy sends the read to the tail.
    for (const r of clients) t.equal(await r.call('GET', `craq${i}`), `$${String(i).length + 1}\r\nv${i}\r\n`, `read ${i} after its write`);
  }
  await settle(c);
  const before = cleanReads();
  for (const r of clients) for (let i = 0; i < 30; i++) await r.call('GET', `craq${i}`);
  t.ok(cleanReads() - before >= 60, `reads at heads and middles answered locally once acknowledged (${cleanReads() - before} of 90)`);
});

// CRAQ's safety (§2.3): an update the tail has not applied is not committed, so no replica may
// show it. The link from the middle to the tail is held: the head and the middle have applied
// SET k v2, the tail still holds v1. Reads through the head and the middle must answer v1
// (sent to the tail), never v2; once the link is released, every node reads v2.
t.test('a replica never answers from a copy the tail has not acknowledged (reads go to the tail)', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const key = 'craq:held';
  const chain = c.nodes[0]!.cluster.chainOfKey(key);
  const [headId, middleId, tailId] = c.nodes[0]!.cluster.placement.membersOf(chain);
  const byId = (id: string | undefined) => c.nodes.find((n) => n.id === id)!;
  const head = await RawClient.connect(byId(headId).port);
  const middle = await RawClient.connect(byId(middleId).port);
  t.teardown(() => (head.close(), middle.close()));
  t.equal(await head.call('SET', key, 'v1'), '+OK\r\n');
  await settle(c);

  const transport = byId(middleId).cluster.transport;
  const send = transport.send.bind(transport);
  const held: Array<[string, Uint8Array]> = [];
  // Only chain messages (update-codec kind 0x04) are held: the middle's reads still reach the tail.
  transport.send = (to: string, msg: Uint8Array) => (to === tailId && msg[0] === 0x04 ? (held.push([to, msg]), true) : send(to, msg));
  head.send(['SET', key, 'v2']);
  for (let i = 0; i < 50 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(held.length > 0, 'the update is held before the tail');
  t.equal(byId(middleId).cluster.chains.get(chain)!.ks.db(0).data.get(key), 'v2', 'the middle has applied v2');
  const other = await RawClient.connect(byId(headId).port);
  t.teardown(() => other.close());
  t.equal(await other.call('GET', key), '$2\r\nv1\r\n', 'a read through the head answers the committed v1');
  t.equal(await middle.call('GET', key), '$2\r\nv1\r\n', 'a read through the middle answers the committed v1');

  transport.send = send;
  for (const [to, msg] of held) send(to, msg);
  t.equal((await head.read()).raw, '+OK\r\n', 'the write completes once the tail has it');
  t.equal(await other.call('GET', key), '$2\r\nv2\r\n');
  t.equal(await middle.call('GET', key), '$2\r\nv2\r\n');
});

// limits.clusterRequestTimeoutMs, enforced by one sweep every requestSweepMs: a write whose
// chain never answers (here its update is dropped on the way to the middle) gets -TRYAGAIN.
t.test('a write whose chain never answers gets -TRYAGAIN after clusterRequestTimeoutMs', { timeout: 60_000 }, async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const node = c.nodes[0]!;
  let key = '';
  for (let i = 0; key === ''; i++) if (node.cluster.placement.membersOf(node.cluster.chainOfKey(`lost${i}`))[0] === node.id) key = `lost${i}`;
  const transport = node.cluster.transport;
  const send = transport.send.bind(transport);
  transport.send = (to: string, msg: Uint8Array) => (msg[0] === 0x04 ? true : send(to, msg));
  t.teardown(() => void (transport.send = send));
  const client = await RawClient.connect(node.port);
  t.teardown(() => client.close());
  const started = Date.now();
  client.send(['SET', key, 'v']);
  const reply = await client.read(clusterRequestTimeoutMs + 5000);
  const waited = Date.now() - started;
  t.match(reply.raw, /^-TRYAGAIN Cluster request timed out/, 'answered, not left hanging');
  t.ok(waited >= clusterRequestTimeoutMs && waited < clusterRequestTimeoutMs + 2 * requestSweepMs + 1000, `after ${waited} ms`);
  t.equal(await client.call('PING'), '+PONG\r\n', 'the connection keeps serving');
});

// DESIGN invariant 3: within one connection, a pipelined read sees the connection's earlier
// writes, and a write is not seen by the connection's earlier reads — across chains, with
// reads answered at the tail or at a clean local replica.
t.test('a pipeline of writes and reads across chains answers as one Redis would', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const rng = new Rng(77);
  for (const node of c.nodes) {
    const client = await RawClient.connect(node.port);
    t.teardown(() => client.close());
    const model = new Map<string, number>();
    const cmds: string[][] = [];
    const expected: string[] = [];
    for (let i = 0; i < 400; i++) {
      const k = `p${node.id}:${rng.int(12)}`;
      const r = rng.int(4);
      if (r === 0) {
        model.set(k, (model.get(k) ?? 0) + 1);
        cmds.push(['INCR', k]);
        expected.push(`:${model.get(k)}\r\n`);
      } else if (r === 1) {
        const v = rng.int(1000);
        model.set(k, v);
        cmds.push(['SET', k, String(v)]);
        expected.push('+OK\r\n');
      } else if (r === 2) {
        const v = model.get(k);
        cmds.push(['GET', k]);
        expected.push(v === undefined ? '$-1\r\n' : `$${String(v).length}\r\n${v}\r\n`);
      } else {
        const k2 = `p${node.id}:${rng.int(12)}`;
        const vals = [k, k2].map((x) => model.get(x));
        cmds.push(['MGET', k, k2]);
        expected.push(`*2\r\n${vals.map((v) => (v === undefined ? '$-1\r\n' : `$${String(v).length}\r\n${v}\r\n`)).join('')}`);
      }
    }
    client.send(...cmds);
    const got: string[] = [];
    for (let i = 0; i < cmds.length; i++) got.push((await client.read(10000)).raw);
    const firstBad = got.findIndex((g, i) => g !== expected[i]);
    t.equal(firstBad, -1, `through ${node.id}: ${firstBad < 0 ? 'all 400 replies as expected' : `${cmds[firstBad]?.join(' ')} answered ${JSON.stringify(got[firstBad])}, expected ${JSON.stringify(expected[firstBad])}`}`);
  }
});

t.test('WATCH is decided at the head, and the head forgets every WATCH whose EXEC never comes', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const chain = c.nodes[0]!.cluster.chainOfKey('{w}k');
  const head = c.nodes.find((n) => n.cluster.chains.get(chain)?.role === 'head')!;
  const watched = () => head.cluster.chains.get(chain)!.watchedKeys;
  const a = await RawClient.connect(c.nodes[1]!.port);
  const b = await RawClient.connect(c.nodes[2]!.port);
  t.teardown(() => (a.close(), b.close()));

  // A write that reached the head before the WATCH does not void it (Redis: only later changes count).
  b.send(['SET', '{w}k', 'before']);
  t.equal(await a.call('WATCH', '{w}k', '{w}j'), '+OK\r\n');
  await b.read();
  t.equal(watched(), 2, 'the head tracks the watched keys');
  a.send(['MULTI'], ['GET', '{w}k'], ['EXEC']);
  await a.read();
  await a.read();
  t.equal((await a.read()).raw, '*1\r\n$6\r\nbefore\r\n', 'EXEC runs');
  t.equal(watched(), 0, 'EXEC released the WATCH');

  // A change of a watched key voids EXEC on every replica alike (an aborted update).
  t.equal(await a.call('WATCH', '{w}k'), '+OK\r\n');
  t.equal(await b.call('INCR', '{w}n'), ':1\r\n', 'a change of another key of the chain');
  a.send(['MULTI'], ['INCR', '{w}n'], ['EXEC']);
  await a.read();
  await a.read();
  t.equal((await a.read()).raw, '*1\r\n:2\r\n', 'an unwatched key changing does not void it');
  t.equal(await a.call('WATCH', '{w}k'), '+OK\r\n');
  t.equal(await b.call('DEL', '{w}k'), ':1\r\n');
  a.send(['MULTI'], ['INCR', '{w}n'], ['EXEC']);
  await a.read();
  await a.read();
  t.equal((await a.read()).raw, '*-1\r\n', 'a watched key changing voids it');
  t.equal(await b.call('GET', '{w}n'), '$1\r\n2\r\n', 'nothing of the voided EXEC applied');

  // UNWATCH, DISCARD, a transaction with no data command, and a client that leaves release it.
  t.equal(await a.call('WATCH', '{w}k'), '+OK\r\n');
  t.equal(await a.call('UNWATCH'), '+OK\r\n');
  t.equal(await a.call('WATCH', '{w}k'), '+OK\r\n');
  t.equal(await a.call('MULTI'), '+OK\r\n');
  t.equal(await a.call('DISCARD'), '+OK\r\n');
  t.equal(await a.call('WATCH', '{w}k'), '+OK\r\n');
  a.send(['MULTI'], ['PING'], ['EXEC']);
  for (let i = 0; i < 3; i++) await a.read();
  const d = await RawClient.connect(c.nodes[0]!.port);
  t.equal(await d.call('WATCH', '{w}k'), '+OK\r\n');
  d.close();
  for (let i = 0; i < 100 && watched() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(watched(), 0, 'nothing is left watched at the head');
  await settle(c);
  agree(t, c);
});

t.test('BLPOP on one node is served by a push through another', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const a = await RawClient.connect(c.nodes[0]!.port);
  const b = await RawClient.connect(c.nodes[1]!.port);
  t.teardown(() => (a.close(), b.close()));
  a.send(['BLPOP', 'queue', '5'], ['PING']);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(await b.call('RPUSH', 'queue', 'job1'), ':1\r\n');
  t.equal((await a.read(5000)).raw, '*2\r\n$5\r\nqueue\r\n$4\r\njob1\r\n');
  t.equal((await a.read()).raw, '+PONG\r\n', 'the blocked connection resumes in order');
  a.send(['BLPOP', 'empty', '0.2']);
  t.equal((await a.read(5000)).raw, '*-1\r\n', 'a timeout answers nil, as Redis');
  t.equal(await b.call('LLEN', 'queue'), ':0\r\n', 'the item was taken once');
});

t.test('blocked clients on different nodes are served in the order they blocked; a client gone while blocked takes nothing', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const waiters = await Promise.all(c.nodes.map((n) => RawClient.connect(n.port)));
  const gone = await RawClient.connect(c.nodes[1]!.port);
  const pusher = await RawClient.connect(c.nodes[2]!.port);
  t.teardown(() => [...waiters, pusher].forEach((x) => x.close()));
  // The client that will disconnect blocks first: were it still served, it would take job0.
  gone.send(['BLPOP', 'jobs', '0']);
  await new Promise((r) => setTimeout(r, 80));
  gone.close();
  await new Promise((r) => setTimeout(r, 80));
  for (const w of waiters) {
    w.send(['BRPOP', 'jobs', '5']);
    await new Promise((r) => setTimeout(r, 80));
  }
  t.equal(await pusher.call('RPUSH', 'jobs', 'job0', 'job1', 'job2'), ':3\r\n');
  const got = await Promise.all(waiters.map(async (w) => (await w.read(5000)).raw));
  // BRPOP pops from the tail: the first waiter gets job2, then job1, then job0.
  t.same(got, ['*2\r\n$4\r\njobs\r\n$4\r\njob2\r\n', '*2\r\n$4\r\njobs\r\n$4\r\njob1\r\n', '*2\r\n$4\r\njobs\r\n$4\r\njob0\r\n'], 'first blocked, first served, across nodes');
  t.equal(await pusher.call('LLEN', 'jobs'), ':0\r\n', 'every job was taken exactly once, none by the departed client');
  for (const n of c.nodes) for (const h of n.cluster.chains.values()) t.equal(h.parked.size, 0, 'nothing stays parked');
});

t.test('PUBLISH reaches subscribers on every node', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const subs = await Promise.all(c.nodes.map((n) => RawClient.connect(n.port)));
  t.teardown(() => subs.forEach((s) => s.close()));
  for (const s of subs) {
    s.send(['SUBSCRIBE', 'news']);
    await s.read();
  }
  const p = await RawClient.connect(c.nodes[0]!.port);
  t.teardown(() => p.close());
  await p.call('PUBLISH', 'news', 'hello');
  for (const s of subs) t.equal((await s.read()).raw, '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
});

t.test('CLUSTER SLOTS covers every slot and names the head first; INFO shows the chains', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const r = new Redis(c.nodes[0]!.port);
  t.teardown(() => r.disconnect());
  const slots = (await r.call('CLUSTER', 'SLOTS')) as Array<[number, number, ...Array<[string, number, string]>]>;
  let covered = 0;
  let prevEnd = -1;
  for (const [from, to, ...nodes] of slots) {
    t.equal(from, prevEnd + 1, 'ranges are contiguous');
    prevEnd = to;
    covered += to - from + 1;
    const head = c.nodes[0]!.cluster.placement.headOf(from);
    const headNode = c.config.nodes.find((n) => n.id === head)!;
    if (nodes[0]?.[1] !== headNode.port) t.fail(`range ${from}-${to}: first node is not the head`);
    t.equal(nodes.length, 3);
    if (t.passing() === false) break;
  }
  t.equal(covered, 16384);
  t.equal(await r.call('CLUSTER', 'KEYSLOT', 'foo'), keySlot('foo'));
  const info = await r.info('replication');
  t.match(info, /chain_heads:\d+/);
  t.match(info, /chain_tails:\d+/);
  t.match(await r.info('cluster'), /cluster_enabled:1/);
});

t.test('ioredis, its Cluster client, and node-redis use the cluster unchanged', async (t) => {
  const c = await startCluster(t, { nodes: 3 });
  const plain = new Redis(c.nodes[1]!.port);
  t.teardown(() => plain.disconnect());
  await plain.set('k', 'v');
  t.equal(await plain.get('k'), 'v');
  const cluster = new Redis.Cluster([{ host: '127.0.0.1', port: c.nodes[0]!.port }]);
  t.teardown(() => cluster.disconnect());
  for (let i = 0; i < 50; i++) await cluster.set(`ck${i}`, String(i));
  const vals = await Promise.all(Array.from({ length: 50 }, (_, i) => cluster.get(`ck${i}`)));
  t.same(vals, Array.from({ length: 50 }, (_, i) => String(i)), 'the cluster client reads what it wrote');
  const nr = createClient({ socket: { port: c.nodes[2]!.port, host: '127.0.0.1' } });
  await nr.connect();
  t.teardown(() => nr.destroy());
  t.equal(await nr.get('ck7'), '7');
  t.equal(await nr.incr('counter'), 1);
});

t.test('single-key operations are linearizable on a quiet cluster', async (t) => {
  // Clients on every node write unique values to one register and read it back. Checked
  // (a necessary condition of linearizability for a register, Herlihy & Wing): every read
  // returns the initial value or a value whose write began before the read ended, and no
  // write both began after that write ended and ended before the read began (that would make
  // the read stale). And counters: every INCR result is unique and they total the calls.
  const c = await startCluster(t, { nodes: 3 });
  const clients = await Promise.all(c.nodes.flatMap((n) => [RawClient.connect(n.port), RawClient.connect(n.port)]));
  t.teardown(() => clients.forEach((x) => x.close()));
  interface Op { kind: 'w' | 'r'; value: string; start: number; end: number }
  const ops: Op[] = [];
  const incrs: number[] = [];
  const now = () => performance.now();
  await Promise.all(
    clients.map(async (cl, ci) => {
      for (let i = 0; i < 60; i++) {
        const start = now();
        if (i % 3 === 0) {
          const v = `${ci}:${i}`;
          await cl.call('SET', 'reg', v);
          ops.push({ kind: 'w', value: v, start, end: now() });
        } else if (i % 3 === 1) {
          const raw = await cl.call('GET', 'reg');
          ops.push({ kind: 'r', value: raw === '$-1\r\n' ? '' : (raw.split('\r\n')[1] as string), start, end: now() });
        } else incrs.push(Number((await cl.call('INCR', 'ctr')).slice(1, -2)));
      }
    }),
  );
  const writes = new Map(ops.filter((o) => o.kind === 'w').map((o) => [o.value, o]));
  let bad = 0;
  for (const r of ops.filter((o) => o.kind === 'r')) {
    if (r.value === '') {
      if ([...writes.values()].some((w) => w.end < r.start)) bad++;
      continue;
    }
    const w = writes.get(r.value);
    if (w === undefined || w.start > r.end) {
      bad++;
      continue;
    }
    for (const w2 of writes.values()) if (w2 !== w && w2.start > w.end && w2.end < r.start) bad++;
  }
  t.equal(bad, 0, `no stale or invented read among ${ops.length} operations`);
  t.equal(new Set(incrs).size, incrs.length, 'INCR never returns the same value twice');
  t.equal(Math.max(...incrs), incrs.length, 'INCR results are 1..n');
});
