// Blocked clients (Redis blocked.c + t_list.c's serving of blocked clients): scripted scenarios
// with several real connections run against Catena and a real Redis 7.0, and the transcripts of
// raw reply bytes must be equal — FIFO fairness per key, several keys (argument order for data
// already there, the order keys became ready otherwise), BLMOVE chains that serve the next
// waiter, MULTI never blocking, pipelined commands waiting behind a blocked one, a client that
// disconnects while blocked, CLIENT UNBLOCK, waiters of the wrong type, databases. Timeouts are
// checked with real time, and every serve is an ordinary update: its effects rebuild the
// keyspace.
import t from 'tap';
import type { Test } from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { Keyspace } from '../src/engine/keyspace';
import { applyEffect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import type { ApplyResult } from '../src/engine/engine';
import { parseBlockTimeout } from '../src/server/blocking';
import { ErrorReply } from '../src/resp/reply';

type Step =
  /** Send a command and do not wait for its reply. */
  | { send: string; cmd: string[] }
  /** Send a command and record its reply. */
  | { call: string; cmd: string[]; quiet?: boolean }
  /** Record the next reply on a connection. */
  | { read: string }
  /** Record that nothing arrives on a connection for a while. */
  | { none: string; ms: number }
  /** Wait until the server reports this many blocked clients (INFO blocked_clients). */
  | { blocked: number }
  /** Record INFO's blocked_clients and clients_in_timeout_table. */
  | { info: string }
  /** Remember the connection's CLIENT ID as $ID(name) for later commands. */
  | { id: string }
  | { close: string }
  | { sleep: number };

const send = (on: string, ...cmd: string[]): Step => ({ send: on, cmd });
const call = (on: string, ...cmd: string[]): Step => ({ call: on, cmd });
const quiet = (on: string, ...cmd: string[]): Step => ({ call: on, cmd, quiet: true });
const read = (on: string): Step => ({ read: on });
const none = (on: string, ms = 100): Step => ({ none: on, ms });
const blocked = (n: number): Step => ({ blocked: n });

async function runScenario(port: number, steps: Step[]): Promise<string[]> {
  const clients = new Map<string, RawClient>();
  const ids = new Map<string, string>();
  const ctl = await RawClient.connect(port);
  const out: string[] = [];
  const client = async (name: string): Promise<RawClient> => {
    let c = clients.get(name);
    if (c === undefined) {
      c = await RawClient.connect(port);
      clients.set(name, c);
    }
    return c;
  };
  const subst = (cmd: string[]): string[] => cmd.map((a) => a.replace(/\$ID\((\w+)\)/, (_m, n: string) => ids.get(n) ?? '?'));
  try {
    ctl.send(['FLUSHALL']);
    await ctl.read();
    for (const st of steps) {
      if ('send' in st) (await client(st.send)).send(subst(st.cmd));
      else if ('call' in st) {
        const c = await client(st.call);
        c.send(subst(st.cmd));
        const raw = (await c.read()).raw;
        if (st.quiet !== true) out.push(`${st.call} ${st.cmd.join(' ')} → ${JSON.stringify(raw)}`);
      } else if ('read' in st) out.push(`${st.read} <read> → ${JSON.stringify((await (await client(st.read)).read()).raw)}`);
      else if ('none' in st) {
        const r = await (await client(st.none)).read(st.ms).catch(() => null);
        out.push(`${st.none} <nothing for ${st.ms}ms> → ${r === null ? 'nothing' : JSON.stringify(r.raw)}`);
      } else if ('blocked' in st) {
        const deadline = Date.now() + 3000;
        for (;;) {
          ctl.send(['INFO', 'clients']);
          const m = /blocked_clients:(\d+)/.exec((await ctl.read()).raw);
          if (m !== null && Number(m[1]) === st.blocked) break;
          if (Date.now() > deadline) {
            out.push(`<blocked_clients never reached ${st.blocked}: ${m?.[1]}>`);
            break;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      } else if ('info' in st) {
        const c = await client(st.info);
        c.send(['INFO', 'clients']);
        const text = (await c.read()).raw;
        out.push(`${st.info} INFO → ${(text.match(/(blocked_clients|clients_in_timeout_table):\d+/g) ?? []).join(' ')}`);
      } else if ('id' in st) {
        const c = await client(st.id);
        c.send(['CLIENT', 'ID']);
        ids.set(st.id, String((await c.read()).value));
      } else if ('close' in st) {
        clients.get(st.close)?.close();
        clients.delete(st.close);
      } else await new Promise((r) => setTimeout(r, st.sleep));
    }
  } finally {
    for (const c of clients.values()) c.close();
    ctl.close();
  }
  return out;
}

const scenarios: Array<{ name: string; steps: Step[] }> = [
  {
    name: 'first blocked, first served (FIFO per key)',
    steps: [
      send('a', 'BLPOP', 'q', '0'),
      blocked(1),
      send('b', 'BLPOP', 'q', '0'),
      blocked(2),
      send('c', 'BRPOP', 'q', '0'),
      blocked(3),
      { info: 'd' },
      call('d', 'RPUSH', 'q', '1', '2'),
      read('a'),
      read('b'),
      none('c'),
      blocked(1),
      call('d', 'RPUSH', 'q', '3', '4'),
      read('c'),
      call('d', 'LRANGE', 'q', '0', '-1'),
      blocked(0),
    ],
  },
  {
    name: 'a waiter on several keys is queued on each, in block order',
    steps: [
      send('a', 'BLPOP', 'q1', 'q2', '0'),
      blocked(1),
      send('b', 'BLPOP', 'q2', '0'),
      blocked(2),
      call('d', 'RPUSH', 'q2', 'x'),
      read('a'),
      call('d', 'RPUSH', 'q1', 'y'),
      none('b'),
      call('d', 'RPUSH', 'q2', 'z'),
      read('b'),
      call('d', 'LRANGE', 'q1', '0', '-1'),
    ],
  },
  {
    name: 'keys made ready by one transaction serve in the order they became ready',
    steps: [
      send('a', 'BLPOP', 'k1', 'k2', 'k3', '0'),
      blocked(1),
      call('d', 'MULTI'),
      call('d', 'RPUSH', 'k3', 'x'),
      call('d', 'RPUSH', 'k1', 'y'),
      call('d', 'EXEC'),
      read('a'),
      call('d', 'LRANGE', 'k1', '0', '-1'),
      call('d', 'LRANGE', 'k3', '0', '-1'),
      call('a', 'BLPOP', 'k2', 'k1', '0'),
    ],
  },
  {
    name: 'a served BLMOVE pushes onto its destination, which serves the next waiter (chain)',
    steps: [
      send('a', 'BLMOVE', 'c1', 'c2', 'LEFT', 'RIGHT', '0'),
      blocked(1),
      send('b', 'BRPOPLPUSH', 'c2', 'c3', '0'),
      blocked(2),
      send('c', 'BLMPOP', '0', '1', 'c3', 'LEFT', 'COUNT', '5'),
      blocked(3),
      call('d', 'RPUSH', 'c1', 'v'),
      read('a'),
      read('b'),
      read('c'),
      call('d', 'EXISTS', 'c1', 'c2', 'c3'),
      blocked(0),
    ],
  },
  {
    name: 'BRPOPLPUSH rotating a key onto itself serves every waiter',
    steps: [
      send('a', 'BRPOPLPUSH', 'r', 'r', '0'),
      blocked(1),
      send('b', 'BLMOVE', 'r', 'r', 'RIGHT', 'LEFT', '0'),
      blocked(2),
      call('d', 'RPUSH', 'r', 'v'),
      read('a'),
      read('b'),
      call('d', 'LRANGE', 'r', '0', '-1'),
    ],
  },
  {
    name: 'commands pipelined behind a blocked one wait for it',
    steps: [
      send('a', 'BLPOP', 'p', '0'),
      send('a', 'PING'),
      send('a', 'RPUSH', 'other', 'x'),
      blocked(1),
      none('a'),
      call('d', 'EXISTS', 'other'),
      call('d', 'RPUSH', 'p', 'x'),
      read('a'),
      read('a'),
      read('a'),
    ],
  },
  {
    name: 'a blocked client is served right after the command that pushed, before the pusher’s next command',
    steps: [
      send('a', 'BLPOP', 'w', '0'),
      blocked(1),
      send('d', 'RPUSH', 'w', 'x'),
      send('d', 'LPOP', 'w'),
      read('d'),
      read('d'),
      read('a'),
    ],
  },
  {
    name: 'a transaction that pushes and pops leaves the waiter blocked',
    steps: [
      send('a', 'BLPOP', 'mm', '0'),
      blocked(1),
      call('d', 'MULTI'),
      call('d', 'RPUSH', 'mm', 'x'),
      call('d', 'LPOP', 'mm'),
      call('d', 'EXEC'),
      none('a'),
      call('d', 'RPUSH', 'mm', 'y'),
      read('a'),
    ],
  },
  {
    name: 'a key of another type does not serve a list waiter; it keeps waiting',
    steps: [
      send('a', 'BLPOP', 'wt', '0'),
      blocked(1),
      call('d', 'SET', 'wt', 's'),
      none('a'),
      call('d', 'DEL', 'wt'),
      call('d', 'RPUSH', 'wt', 'v'),
      read('a'),
    ],
  },
  {
    name: 'a BLMOVE served onto a destination of the wrong type gets WRONGTYPE and pops nothing',
    steps: [
      send('a', 'BLMOVE', 'm1', 'm2', 'LEFT', 'LEFT', '0'),
      blocked(1),
      call('d', 'SET', 'm2', 's'),
      call('d', 'RPUSH', 'm1', 'v'),
      read('a'),
      call('d', 'LRANGE', 'm1', '0', '-1'),
      blocked(0),
    ],
  },
  {
    name: 'BLMPOP with COUNT is served from the key that became ready',
    steps: [
      send('a', 'BLMPOP', '0', '2', 'x1', 'x2', 'RIGHT', 'COUNT', '2'),
      blocked(1),
      call('d', 'RPUSH', 'x2', '1', '2', '3'),
      read('a'),
      call('d', 'LRANGE', 'x2', '0', '-1'),
    ],
  },
  {
    name: 'the same key twice is one wait',
    steps: [
      send('a', 'BLPOP', 'dup', 'dup', '0'),
      blocked(1),
      call('d', 'RPUSH', 'dup', '1', '2'),
      read('a'),
      call('d', 'LRANGE', 'dup', '0', '-1'),
    ],
  },
  {
    name: 'timeouts answer a null array in RESP2 (BLMOVE too) and _ in RESP3',
    steps: [
      call('a', 'BLPOP', 't1', 't2', '0.05'),
      call('a', 'BLMOVE', 't1', 't2', 'LEFT', 'LEFT', '0.05'),
      call('a', 'BRPOPLPUSH', 't1', 't2', '0.05'),
      call('a', 'BLMPOP', '0.05', '1', 't1', 'LEFT'),
      quiet('b', 'HELLO', '3'),
      call('b', 'BRPOP', 't1', '0.05'),
      call('b', 'BLMOVE', 't1', 't2', 'LEFT', 'LEFT', '0.05'),
      call('b', 'BLMPOP', '0.05', '1', 't1', 'LEFT'),
      call('b', 'BLPOP', 't1', '0.0001'),
      blocked(0),
    ],
  },
  {
    name: 'inside MULTI a blocking command never blocks',
    steps: [
      call('a', 'MULTI'),
      call('a', 'BLPOP', 'mq', '0'),
      call('a', 'BLMOVE', 'mq', 'd', 'LEFT', 'LEFT', '0'),
      call('a', 'BRPOPLPUSH', 'mq', 'd', '0'),
      call('a', 'BLMPOP', '0', '1', 'mq', 'LEFT'),
      call('a', 'EXEC'),
      blocked(0),
    ],
  },
  {
    name: 'a client that disconnects while blocked is forgotten',
    steps: [
      send('a', 'BLPOP', 'g', '0'),
      blocked(1),
      { close: 'a' },
      blocked(0),
      send('b', 'BLPOP', 'g', '0'),
      blocked(1),
      call('d', 'RPUSH', 'g', 'v'),
      read('b'),
      call('d', 'LLEN', 'g'),
    ],
  },
  {
    name: 'CLIENT UNBLOCK with ERROR and with TIMEOUT (and a timeout beyond 2^31 ms)',
    steps: [
      { id: 'a' },
      { id: 'b' },
      send('a', 'BLPOP', 'u', '0'),
      blocked(1),
      call('d', 'CLIENT', 'UNBLOCK', '$ID(a)', 'ERROR'),
      read('a'),
      send('b', 'BLMOVE', 'u', 'v', 'LEFT', 'LEFT', '3000000'),
      blocked(1),
      none('b'),
      { info: 'd' },
      call('d', 'CLIENT', 'UNBLOCK', '$ID(b)', 'TIMEOUT'),
      read('b'),
      call('d', 'CLIENT', 'UNBLOCK', '$ID(b)'),
      call('a', 'PING'),
      blocked(0),
    ],
  },
  {
    name: 'a list arriving by RENAME, MOVE, COPY or SWAPDB serves waiters',
    steps: [
      send('a', 'BLPOP', 'rn', '0'),
      send('b', 'BLPOP', 'mv', '0'),
      send('c', 'BRPOP', 'cp', '0'),
      blocked(3),
      call('d', 'RPUSH', 'src', '1', '2'),
      call('d', 'RENAME', 'src', 'rn'),
      read('a'),
      call('d', 'SELECT', '2'),
      call('d', 'RPUSH', 'mv', 'm'),
      call('d', 'MOVE', 'mv', '0'),
      read('b'),
      call('d', 'RPUSH', 'cpsrc', 'c1', 'c2'),
      call('d', 'COPY', 'cpsrc', 'cp', 'DB', '0'),
      read('c'),
      call('d', 'SELECT', '0'),
      call('d', 'LRANGE', 'cp', '0', '-1'),
      send('a', 'BLPOP', 'sw', '0'),
      blocked(1),
      call('d', 'SELECT', '3'),
      call('d', 'RPUSH', 'sw', 'x', 'y'),
      call('d', 'SWAPDB', '0', '3'),
      read('a'),
      call('d', 'LRANGE', 'sw', '0', '-1'),
      call('d', 'SELECT', '0'),
      call('d', 'LRANGE', 'sw', '0', '-1'),
    ],
  },
  {
    name: 'waiters belong to their database',
    steps: [
      call('a', 'SELECT', '1'),
      send('a', 'BLPOP', 'dbk', '0'),
      blocked(1),
      call('d', 'RPUSH', 'dbk', 'x'),
      none('a'),
      call('d', 'SELECT', '1'),
      call('d', 'RPUSH', 'dbk', 'y'),
      read('a'),
      call('d', 'LRANGE', 'dbk', '0', '-1'),
      call('d', 'SELECT', '0'),
      call('d', 'LRANGE', 'dbk', '0', '-1'),
    ],
  },
];

async function catenaWithReplica(t: Test) {
  const cat = await startCatena(t);
  const replica = new Keyspace(cat.server.ks.databases, cat.server.ks.hashSeed);
  const original = cat.server.afterUpdate.bind(cat.server);
  cat.server.afterUpdate = (r: ApplyResult) => {
    for (const e of r.effects) applyEffect(replica, e);
    original(r);
  };
  return { cat, replica };
}

t.test('blocking scenarios answer byte-for-byte as Redis 7.0', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const { cat, replica } = await catenaWithReplica(t);
  for (const sc of scenarios) {
    const theirs = await runScenario(redis.port, sc.steps);
    const mine = await runScenario(cat.port, sc.steps);
    t.same(mine, theirs, sc.name);
    t.equal(cat.server.blocking.blockedCount, 0, `${sc.name}: nobody left blocked`);
    t.equal(keyspaceDigest(replica), keyspaceDigest(cat.server.ks), `${sc.name}: effects (serves included) rebuild the keyspace`);
  }
});

t.test('a waiter of another type is skipped, not starved: list and zset waiters on one key', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const { cat } = await catenaWithReplica(t);
  if (!cat.server.table.has('bzpopmin')) return t.plan(0, 'no sorted sets yet');
  const steps: Step[] = [
    send('a', 'BZPOPMIN', 'mix', '0'),
    blocked(1),
    send('b', 'BLPOP', 'mix', '0'),
    blocked(2),
    call('d', 'RPUSH', 'mix', 'v'),
    read('b'),
    none('a'),
    call('d', 'ZADD', 'mix', '1', 'm'),
    read('a'),
  ];
  t.same(await runScenario(cat.port, steps), await runScenario(redis.port, steps));
});

t.test('timeouts follow real time; a served client’s timer is cleared', async (t) => {
  const cat = await startCatena(t);
  const a = await RawClient.connect(cat.port);
  const b = await RawClient.connect(cat.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const t0 = Date.now();
  a.send(['BLPOP', 'tk', '0.3']);
  await waitFor(() => cat.server.blocking.blockedCount === 1);
  t.equal(cat.server.blocking.timeoutCount, 1, 'counted in clients_in_timeout_table');
  t.equal(cat.server.blocking.blockedCommand(maxSessionId(cat.server.sessions)), null, 'the last connection (b) is not blocked');
  t.equal((await a.read(2000)).raw, '*-1\r\n');
  const elapsed = Date.now() - t0;
  t.ok(elapsed >= 280 && elapsed < 1500, `timed out after ${elapsed} ms (asked 300)`);
  t.equal(cat.server.blocking.blockedCount, 0);

  a.send(['BLPOP', 'tk', '0.2']);
  await waitFor(() => cat.server.blocking.blockedCount === 1);
  t.equal(await b.call('RPUSH', 'tk', 'v'), ':1\r\n');
  t.equal((await a.read()).raw, '*2\r\n$2\r\ntk\r\n$1\r\nv\r\n');
  t.equal(cat.server.blocking.timeoutCount, 0);
  const late = await a.read(400).catch(() => null);
  t.equal(late, null, 'no timeout reply after being served');
  t.equal(await a.call('PING'), '+PONG\r\n');

  a.send(['BLPOP', 'tk', '0']);
  await waitFor(() => cat.server.blocking.blockedCount === 1);
  t.equal(cat.server.blocking.timeoutCount, 0, 'timeout 0 blocks forever, outside the timeout table');
  const r = await a.read(300).catch(() => null);
  t.equal(r, null, 'still blocked');
  t.ok(cat.server.blocking.unblock(minSessionId(cat.server.sessions), false), 'unblock() reports a blocked session');
  t.equal((await a.read()).raw, '*-1\r\n');
  t.notOk(cat.server.blocking.unblock(minSessionId(cat.server.sessions), true), 'and false once it is not blocked');
});

t.test('many waiters on one key are served in order by one big push', async (t) => {
  const cat = await startCatena(t);
  const n = 200;
  const clients: RawClient[] = [];
  t.teardown(() => {
    for (const c of clients) c.close();
  });
  for (let i = 0; i < n; i++) {
    const c = await RawClient.connect(cat.port);
    clients.push(c);
    c.send(['BLPOP', 'many', '0']);
    await waitFor(() => cat.server.blocking.blockedCount === i + 1);
  }
  const items = Array.from({ length: n + 5 }, (_, i) => String(i));
  const pusher = await RawClient.connect(cat.port);
  clients.push(pusher);
  t.equal(await pusher.call('RPUSH', 'many', ...items), `:${n + 5}\r\n`);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const r = (await (clients[i] as RawClient).read()).value;
    if (JSON.stringify(r) !== JSON.stringify(['many', String(i)])) inOrder = false;
  }
  t.ok(inOrder, `${n} waiters served first come, first served`);
  t.same((await pusher.read(100).catch(() => null)) ?? null, null);
  t.equal(await pusher.call('LLEN', 'many'), ':5\r\n', 'the rest stays in the list');
});

t.test('the timeout argument: Redis parsing, ceil to ms, 0 forever', async (t) => {
  t.equal(parseBlockTimeout('0'), 0);
  t.equal(parseBlockTimeout('-0'), 0);
  t.equal(parseBlockTimeout('-0.0001'), 0, 'ceil(-0.1 ms) is 0: forever, as Redis');
  t.equal(parseBlockTimeout('0.0001'), 1, 'a positive sub-ms timeout is 1 ms');
  t.equal(parseBlockTimeout('1e-400'), 1, 'positive even below the double range');
  t.equal(parseBlockTimeout('1.5'), 1500);
  t.equal(parseBlockTimeout('0x10'), 16000, 'strtold accepts hex');
  t.equal(parseBlockTimeout('3000000'), 3e9);
  for (const bad of ['x', '', ' 1', '1 ', 'nan', '1e', '--1']) t.type(parseBlockTimeout(bad), ErrorReply, `"${bad}" is not a float`);
  for (const neg of ['-1', 'inf', '-inf', '1e30', '9223372036854776']) {
    const r = parseBlockTimeout(neg);
    t.ok(r instanceof ErrorReply && r.text === 'ERR timeout is negative', `"${neg}" is negative (wraps in Redis)`);
  }
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function maxSessionId(m: Map<number, unknown>): number {
  return Math.max(...m.keys());
}

function minSessionId(m: Map<number, unknown>): number {
  return Math.min(...m.keys());
}
