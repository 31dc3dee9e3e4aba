// Connection commands against the real Redis 7.0: PING/ECHO/QUIT/SELECT/HELLO/AUTH/RESET and
// the CLIENT family, byte for byte (client ids, addresses and ages normalised), and the
// opening handshakes of real clients (ioredis, node-redis RESP2/RESP3, redis-py's HELLO)
// recorded from the wire and replayed in one write to both servers.
import t, { type Test } from 'tap';
import * as net from 'node:net';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis, type RedisHandle } from './helpers/redis-oracle';
import { RawClient, type RawReply } from './helpers/raw-client';
import { decodeAll, type Typed } from '../src/resp/decoder';

async function replies(port: number, cmds: string[][], opts: { proto?: 2 | 3; auth?: string } = {}): Promise<RawReply[]> {
  const c = await RawClient.connect(port);
  try {
    if (opts.auth !== undefined) {
      c.send(['AUTH', opts.auth]);
      await c.read();
    }
    if (opts.proto === 3) {
      c.send(['HELLO', '3']);
      await c.read();
    }
    c.send(...cmds);
    const out: RawReply[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(await c.read());
    return out;
  } finally {
    c.close();
  }
}

/**
 * Client ids, ports, ages and buffer sizes differ between the two servers: mask them, and the
 * bulk length that depends on them. CLIENT LIST lines lose Redis 7.2's lib-name/lib-ver, which
 * Catena adds (checked on their own below); every other field is compared.
 */
function normalise(raw: string): string {
  const masked = raw
    .replace(/(\$2\r\nid\r\n):\d+/g, '$1:<id>')
    .replace(/id=\d+ addr=[^ ]+ laddr=[^ ]+ fd=-?\d+/g, 'id=<id> addr=<addr> laddr=<laddr> fd=<fd>')
    .replace(/ age=\d+ idle=\d+/g, ' age=<t> idle=<t>')
    .replace(/ (qbuf|qbuf-free|rbs|rbp|obl|oll|omem|tot-mem)=\d+/g, ' $1=<n>')
    .replace(/ lib-name=[^ \n]* lib-ver=[^ \n]*/g, '');
  return masked === raw ? raw : masked.replace(/^([$=])\d+\r\n/, '$1<len>\r\n');
}

async function compare(t: Test, catenaPort: number, redisPort: number, cmds: string[][], opts: { proto?: 2 | 3; auth?: string } = {}): Promise<void> {
  const [a, b] = await Promise.all([replies(catenaPort, cmds, opts), replies(redisPort, cmds, opts)]);
  cmds.forEach((cmd, i) => t.equal(normalise(a[i]?.raw ?? '<none>'), normalise(b[i]?.raw ?? '<none>'), cmd.join(' ')));
}

t.test('PING, ECHO, SELECT, HELLO, AUTH without a password', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  await compare(t, c.port, redis.port, [
    ['PING'],
    ['PING', 'hello'],
    ['PING', 'a', 'b'],
    ['ECHO', 'x\r\ny'],
    ['ECHO'],
    ['SELECT', '16'],
    ['SELECT', '-1'],
    ['SELECT', 'abc'],
    ['SELECT', '1.5'],
    ['SELECT', '99999999999999999999'],
    ['SELECT', '15'],
    ['HELLO'],
    ['HELLO', '2'],
    ['HELLO', '4'],
    ['HELLO', '1'],
    ['HELLO', 'x'],
    ['HELLO', '3', 'AUTH', 'nouser', 'pw'],
    ['HELLO', '3', 'AUTH', 'default'],
    ['HELLO', '3', 'SETNAME', 'bad name'],
    ['HELLO', '3', 'FOO'],
    ['HELLO', '2', 'SETNAME', 'n1', 'FOO'],
    ['CLIENT', 'GETNAME'],
    ['HELLO', '2', 'AUTH', 'default', 'anything', 'SETNAME', 'n2'],
    ['CLIENT', 'GETNAME'],
    ['AUTH', 'x'],
    ['AUTH', 'nouser', 'x'],
    ['AUTH', 'default', 'x'],
    ['AUTH', 'a', 'b', 'c'],
    ['AUTH'],
    ['HELLO', '3', 'SETNAME', 'x', 'SETNAME', 'y'],
    ['CLIENT', 'GETNAME'],
    ['PING'],
    ['HELLO', '2'],
  ]);
});

t.test('HELLO and AUTH with requirepass', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  await replies(redis.port, [['CONFIG', 'SET', 'requirepass', 'sekret']]);
  const c = await startCatena(t, { requirepass: 'sekret' });
  await compare(t, c.port, redis.port, [
    ['PING'],
    ['GET', 'k'],
    ['HELLO'],
    ['HELLO', '3'],
    ['CLIENT', 'SETNAME', 'x'],
    ['AUTH', 'wrong'],
    ['AUTH', 'default', 'wrong'],
    ['AUTH', 'nouser', 'sekret'],
    ['HELLO', '3', 'AUTH', 'default', 'wrong'],
    ['HELLO', '3', 'SETNAME', 'n1'],
    ['HELLO', '3', 'AUTH', 'default', 'sekret', 'SETNAME', 'n1'],
    ['CLIENT', 'GETNAME'],
    ['PING'],
    ['AUTH', 'wrong'],
    ['PING', 'still authenticated'],
    ['RESET'],
    ['PING'],
    ['AUTH', 'sekret'],
    ['PING'],
    ['QUIT'],
  ]);
});

t.test("AUTH lifts Redis's smaller pre-authentication request limits", async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  await replies(redis.port, [['CONFIG', 'SET', 'requirepass', 'pw']]);
  const c = await startCatena(t, { requirepass: 'pw' });
  const many = ['PING', ...Array.from({ length: 10 }, (_, i) => `a${i}`)];
  for (const [label, port] of [['catena', c.port], ['redis', redis.port]] as const) {
    const before = await RawClient.connect(port);
    before.send(many);
    t.equal((await before.read()).raw, '-ERR Protocol error: unauthenticated multibulk length\r\n', `${label}: 11 arguments before AUTH`);
    t.ok(await before.waitClosed(), `${label}: and the connection is closed`);
    before.close();
    const after = await RawClient.connect(port);
    t.equal(await after.call('AUTH', 'pw'), '+OK\r\n');
    t.equal(await after.call(...many), "-ERR wrong number of arguments for 'ping' command\r\n", `${label}: after AUTH the request is read`);
    after.close();
    const hello = await RawClient.connect(port);
    t.match(await hello.call('HELLO', '3', 'AUTH', 'default', 'pw'), /^%7\r\n/);
    t.equal(await hello.call(...many), "-ERR wrong number of arguments for 'ping' command\r\n", `${label}: HELLO AUTH lifts them too`);
    hello.close();
  }
});

t.test('RESET gives back a fresh connection', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const cmds = [
    ['SELECT', '3'],
    ['CLIENT', 'SETNAME', 'before'],
    ['CLIENT', 'NO-EVICT', 'on'],
    ['HELLO', '3'],
    ['WATCH', 'w'],
    ['MULTI'],
    ['SET', 'k', 'v'],
    ['RESET'],
    ['CLIENT', 'INFO'],
    ['EXEC'],
    ['SUBSCRIBE', 'ch'],
    ['PSUBSCRIBE', 'p*'],
    ['PING'],
    ['RESET'],
    ['PING'],
    ['CLIENT', 'INFO'],
  ];
  await compare(t, c.port, redis.port, cmds);
});

t.test('CLIENT REPLY ON, OFF and SKIP', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  // Suppressed replies leave no trace: compare the whole byte stream, ended by a marker.
  const cmds = [
    ['CLIENT', 'REPLY', 'OFF'],
    ['PING', '1'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['PING', '2'],
    ['CLIENT', 'REPLY', 'ON'],
    ['PING', '3'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['PING', '4'],
    ['PING', '5'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['PING', '6'],
    ['PING', '7'],
    ['CLIENT', 'REPLY', 'FOO'],
    ['CLIENT', 'REPLY', 'OFF'],
    ['GET', 'nosuchkey-but-still-silent'],
    ['CLIENT', 'REPLY', 'ON'],
    ['CLIENT', 'REPLY', 'OFF'],
    ['RESET'],
    ['PING', 'after RESET replies are on'],
    ['ECHO', 'end'],
  ];
  const streams: string[] = [];
  for (const port of [c.port, redis.port]) {
    const r = await RawClient.connect(port);
    r.send(...cmds);
    let raw = '';
    for (;;) {
      const x = await r.read();
      raw += x.raw;
      if (x.raw === '$3\r\nend\r\n') break;
    }
    r.close();
    streams.push(raw);
  }
  t.equal(streams[0], streams[1], 'same bytes');
  t.equal(
    streams[1],
    '+OK\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n7\r\n-ERR syntax error\r\n+OK\r\n+RESET\r\n$26\r\nafter RESET replies are on\r\n$3\r\nend\r\n',
    'as Redis 7.0 sends them',
  );
});

t.test('CLIENT subcommands and their errors', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const cmds = [
    ['CLIENT', 'SETNAME', 'a b'],
    ['CLIENT', 'SETNAME', 'caf\xe9'],
    ['CLIENT', 'SETNAME', ''],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'conn-1'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'LIST', 'TYPE', 'foo'],
    ['CLIENT', 'LIST', 'TYPE', 'master'],
    ['CLIENT', 'LIST', 'TYPE', 'replica'],
    ['CLIENT', 'LIST', 'ID', 'abc'],
    ['CLIENT', 'LIST', 'ID', '99999'],
    ['CLIENT', 'LIST', 'foo'],
    ['CLIENT', 'KILL', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ID', '0'],
    ['CLIENT', 'KILL', 'ID', 'abc'],
    ['CLIENT', 'KILL', 'foo', 'bar'],
    ['CLIENT', 'KILL', 'USER', 'nouser'],
    ['CLIENT', 'KILL', 'TYPE', 'x'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
    ['CLIENT', 'KILL', 'ID', '9999'],
    ['CLIENT', 'KILL', 'ID'],
    ['CLIENT', 'KILL', 'ID', '9999', 'TYPE'],
    ['CLIENT', 'KILL', 'USER', 'default', 'TYPE', 'pubsub'],
    ['CLIENT', 'REPLY', 'ON', 'x'],
    ['CLIENT', 'NO-EVICT', 'foo'],
    ['CLIENT', 'NO-EVICT', 'off'],
    ['CLIENT', 'GETREDIR'],
    ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'off'],
    ['CLIENT', 'TRACKING', 'maybe'],
    ['CLIENT', 'CACHING', 'yes'],
    ['CLIENT', 'UNBLOCK', '99999'],
    ['CLIENT', 'UNBLOCK', 'abc'],
    ['CLIENT', 'UNBLOCK', '5', 'foo'],
    ['CLIENT', 'PAUSE', 'abc'],
    ['CLIENT', 'PAUSE', '-1'],
    ['CLIENT', 'PAUSE', '10', 'foo'],
    ['CLIENT', 'UNPAUSE'],
    ['CLIENT', 'FOO'],
    ['CLIENT'],
    ['CLIENT', 'HELP'],
    ['CLIENT', 'INFO'],
  ];
  await compare(t, c.port, redis.port, cmds);
  await compare(t, c.port, redis.port, [['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'INFO'], ['CLIENT', 'LIST', 'TYPE', 'normal']], { proto: 3 });
});

/** Redis 7.0's CLIENT LIST fields in order; Catena adds Redis 7.2's lib-name and lib-ver. */
const clientFields = 'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp'.split(' ');

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of line.trim().split(' ')) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

t.test('CLIENT LIST and CLIENT INFO: Redis 7.0 fields, in order, with the session state', async (t) => {
  const redis = await startRedis(t);
  const c = await startCatena(t);
  const a = await RawClient.connect(c.port);
  const b = await RawClient.connect(c.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  await b.call('CLIENT', 'SETNAME', 'other');
  await b.call('SELECT', '5');
  await b.call('SUBSCRIBE', 'ch1', 'ch2');
  await b.read();
  await a.call('MULTI');
  await a.call('PING');
  await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib');
  const list = (await a.call('EXEC')).toString();
  t.match(list, /^\*2\r\n\+PONG\r\n/, 'EXEC ran');
  const info = await a.call('CLIENT', 'INFO');
  const line = info.split('\r\n')[1] as string;
  const keys = line.trim().split(' ').map((kv) => kv.slice(0, kv.indexOf('=')));
  t.same(keys, [...clientFields, 'lib-name', 'lib-ver'], 'field names and order');
  const me = fields(line);
  t.equal(me.cmd, 'client|info');
  t.equal(me.flags, 'N');
  t.equal(me['lib-name'], 'mylib');
  t.equal(me.resp, '2');
  t.equal(me.multi, '-1');
  t.equal(me.user, 'default');
  const all = await a.call('CLIENT', 'LIST');
  const lines = all.split('\r\n')[1]?.split('\n').filter((l) => l !== '') ?? [];
  t.equal(lines.length, 2, 'both clients listed');
  const other = lines.map(fields).find((f) => f.name === 'other');
  t.ok(other, 'the other client is listed with its name');
  t.equal(other?.db, '5');
  t.equal(other?.sub, '2');
  t.equal(other?.flags, 'P');
  t.equal(other?.cmd, 'subscribe');
  const pubsub = await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
  t.match(pubsub, /name=other/);
  t.notMatch(pubsub, /cmd=client\|list/, 'TYPE pubsub leaves the normal client out');
  const byId = await a.call('CLIENT', 'LIST', 'ID', other?.id as string, '424242');
  t.equal(byId.split('\n').filter((l) => l.startsWith('id=')).length, 1, 'LIST ID lists the existing id only');
  if (redis === null) {
    t.comment('no redis-server on this machine to compare with');
    return;
  }
  const r = await RawClient.connect(redis.port);
  t.teardown(() => r.close());
  const redisKeys = (await r.call('CLIENT', 'INFO'))
    .split('\r\n')[1]
    ?.trim()
    .split(' ')
    .map((kv) => kv.slice(0, kv.indexOf('=')));
  t.same(redisKeys, clientFields, 'the field list is the real Redis 7.0 one');
});

t.test('CLIENT KILL by address, id, filters; killing oneself closes after the reply', async (t) => {
  const c = await startCatena(t);
  const a = await RawClient.connect(c.port);
  t.teardown(() => a.close());
  const victims = await Promise.all([0, 1, 2].map(() => RawClient.connect(c.port)));
  t.teardown(() => victims.forEach((v) => v.close()));
  const infos = await Promise.all(victims.map(async (v) => fields((await v.call('CLIENT', 'INFO')).split('\r\n')[1] as string)));
  const [v0, v1, v2] = infos as [Record<string, string>, Record<string, string>, Record<string, string>];
  t.equal(await a.call('CLIENT', 'KILL', v0.addr as string), '+OK\r\n', 'old form by address');
  t.ok(await victims[0]?.waitClosed(), 'that client is disconnected');
  t.equal(await a.call('CLIENT', 'KILL', v0.addr as string), '-ERR No such client\r\n');
  t.equal(await a.call('CLIENT', 'KILL', 'ID', v1.id as string), ':1\r\n', 'new form by ID');
  t.ok(await victims[1]?.waitClosed());
  t.equal(await a.call('CLIENT', 'KILL', 'LADDR', v2.laddr as string, 'ADDR', v2.addr as string, 'USER', 'default'), ':1\r\n', 'LADDR + ADDR + USER');
  t.ok(await victims[2]?.waitClosed());
  t.equal(await a.call('CLIENT', 'KILL', 'TYPE', 'normal'), ':0\r\n', 'SKIPME yes by default');
  const self = fields((await a.call('CLIENT', 'INFO')).split('\r\n')[1] as string);
  t.equal(await a.call('CLIENT', 'KILL', 'ID', self.id as string, 'SKIPME', 'no'), ':1\r\n', 'the reply arrives before the close');
  t.ok(await a.waitClosed(), 'then the connection closes');
  const b = await RawClient.connect(c.port);
  t.teardown(() => b.close());
  const me = fields((await b.call('CLIENT', 'INFO')).split('\r\n')[1] as string);
  b.send(['CLIENT', 'KILL', me.addr as string], ['PING']);
  t.equal((await b.read()).raw, '+OK\r\n', 'old form may kill the caller: OK first');
  t.ok(await b.waitClosed(), 'and nothing after it runs');
  t.equal(b.pending(), '', 'PING got no reply');
});

t.test('CLIENT SETINFO and NO-TOUCH (Redis 7.2 semantics)', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  t.equal(await r.call('CLIENT', 'SETINFO', 'lib-name', 'redis-py'), '+OK\r\n');
  t.equal(await r.call('CLIENT', 'SETINFO', 'LIB-VER', '5.0.1'), '+OK\r\n');
  t.equal(await r.call('CLIENT', 'SETINFO', 'lib-name', 'bad name'), '-ERR lib-name cannot contain spaces, newlines or special characters.\r\n');
  t.equal(await r.call('CLIENT', 'SETINFO', 'LIB-VER', 'v\n1'), '-ERR LIB-VER cannot contain spaces, newlines or special characters.\r\n');
  t.equal(await r.call('CLIENT', 'SETINFO', 'foo', 'x'), "-ERR Unrecognized option 'foo'\r\n");
  t.equal(await r.call('CLIENT', 'SETINFO', 'lib-name'), "-ERR wrong number of arguments for 'client|setinfo' command\r\n");
  t.equal(await r.call('CLIENT', 'NO-TOUCH', 'on'), '+OK\r\n');
  t.equal(await r.call('CLIENT', 'NO-TOUCH', 'maybe'), '-ERR syntax error\r\n');
  let me = fields((await r.call('CLIENT', 'INFO')).split('\r\n')[1] as string);
  t.equal(me['lib-name'], 'redis-py');
  t.equal(me['lib-ver'], '5.0.1');
  t.equal(me.flags, 'T', 'no-touch shows as T, as Redis 7.2');
  t.equal(await r.call('RESET'), '+RESET\r\n');
  me = fields((await r.call('CLIENT', 'INFO')).split('\r\n')[1] as string);
  t.equal(me['lib-name'], 'redis-py', 'RESET keeps the library name (Redis 7.2)');
  t.equal(await r.call('CLIENT', 'SETINFO', 'lib-name', ''), '+OK\r\n');
  me = fields((await r.call('CLIENT', 'INFO')).split('\r\n')[1] as string);
  t.equal(me['lib-name'], '', 'an empty value clears it');
});

t.test('CLIENT UNBLOCK wakes a blocked client', async (t) => {
  const c = await startCatena(t);
  if (!c.server.table.has('blpop')) return t.plan(0, 'BLPOP is not implemented yet');
  const a = await RawClient.connect(c.port);
  const b = await RawClient.connect(c.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const id = (await b.call('CLIENT', 'ID')).slice(1, -2);
  b.send(['BLPOP', 'nothing', '0']);
  await new Promise((r) => setTimeout(r, 50));
  t.match(await a.call('CLIENT', 'LIST', 'ID', id), /flags=b .*cmd=blpop/, 'listed as blocked in BLPOP');
  t.equal(await a.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
  t.equal((await b.read()).raw, '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
  t.equal(await a.call('CLIENT', 'UNBLOCK', id), ':0\r\n', 'no longer blocked');
});

/** A TCP proxy in front of `redis` that records what a client sends. */
async function recordingProxy(t: Test, redis: RedisHandle): Promise<{ port: number; sent: () => Buffer }> {
  const chunks: Buffer[] = [];
  const sockets: net.Socket[] = [];
  const srv = net.createServer((client) => {
    const up = net.connect(redis.port, redis.host);
    sockets.push(client, up);
    client.on('data', (d: Buffer) => {
      chunks.push(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => client.write(d));
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return { port: (srv.address() as net.AddressInfo).port, sent: () => Buffer.concat(chunks) };
}

/** Replies as compared across servers: ids masked, INFO reduced to its section headers. */
function handshakeReply(raw: string): string {
  const info = /# Server\r\n/.test(raw) ? `INFO sections: ${(raw.match(/# \w+/g) ?? []).join(' ')}` : raw;
  return normalise(info);
}

/** Send recorded opening bytes in one write to both servers; compare every reply. */
async function replay(t: Test, bytes: Buffer, catenaPort: number, redisPort: number): Promise<void> {
  const requests = decodeAll(bytes).values as Typed[][];
  t.ok(requests.length > 0, `replaying ${requests.length} commands: ${requests.map((r) => r.slice(0, 2).join(' ')).join(', ')}`);
  const out: string[][] = [];
  for (const port of [catenaPort, redisPort]) {
    const r = await RawClient.connect(port);
    r.writeRaw(bytes);
    const got: string[] = [];
    for (let i = 0; i < requests.length; i++) got.push(handshakeReply((await r.read()).raw));
    r.close();
    out.push(got);
  }
  requests.forEach((req, i) => {
    const what = `reply to ${req.slice(0, 3).join(' ')}`;
    if (String(req[0]).toUpperCase() === 'CLIENT' && String(req[1]).toUpperCase() === 'SETINFO') {
      // Redis 7.2's command: Redis 7.0 does not know it (clients ignore that error).
      t.equal(out[0]?.[i], '+OK\r\n', `${what}: OK, as Redis 7.2`);
      t.equal(out[1]?.[i], "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n", `${what}: unknown to Redis 7.0`);
    } else t.equal(out[0]?.[i], out[1]?.[i], what);
  });
}

t.test('client handshakes answer as Redis 7.0', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const password = 'hs-pass';
  await replies(redis.port, [['CONFIG', 'SET', 'requirepass', password]]);
  const c = await startCatena(t, { requirepass: password });

  const cases: Array<[string, (port: number) => Promise<() => Promise<void>>]> = [
    [
      'ioredis, default options (HELLO 3 AUTH, CLIENT SETINFO, INFO ready check)',
      async (port) => {
        const r = new Redis({ port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        await r.connect();
        await new Promise<void>((res) => (r.status === 'ready' ? res() : r.once('ready', () => res())));
        return async () => void r.disconnect();
      },
    ],
    [
      'ioredis, RESP2 with a name (AUTH, CLIENT SETNAME, CLIENT SETINFO, INFO)',
      async (port) => {
        const r = new Redis({ port, password, protocol: 2, connectionName: 'io2', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        await r.connect();
        await new Promise<void>((res) => (r.status === 'ready' ? res() : r.once('ready', () => res())));
        return async () => void r.disconnect();
      },
    ],
    [
      'node-redis, RESP2 (AUTH, CLIENT SETINFO)',
      async (port) => {
        const r = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, password, RESP: 2 });
        r.on('error', () => {});
        await r.connect();
        return async () => void r.destroy();
      },
    ],
    [
      'node-redis, RESP3 with a name and a database (HELLO 3 AUTH SETNAME, SELECT, CLIENT SETINFO)',
      async (port) => {
        const r = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, password, RESP: 3, name: 'nr3', database: 2 });
        r.on('error', () => {});
        await r.connect();
        return async () => void r.destroy();
      },
    ],
  ];
  for (const [label, open] of cases) {
    await t.test(label, async (t) => {
      const proxy = await recordingProxy(t, redis);
      const close = await open(proxy.port);
      const bytes = proxy.sent();
      await close();
      await replay(t, bytes, c.port, redis.port);
      // And the real client works against Catena.
      const close2 = await open(c.port);
      await close2();
    });
  }

  await t.test("redis-py's opening (HELLO 3 AUTH ... SETNAME ..., CLIENT SETINFO), one write", async (t) => {
    const cmds = [
      ['HELLO', '3', 'AUTH', 'default', password, 'SETNAME', 'py-client'],
      ['CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'],
      ['CLIENT', 'SETINFO', 'LIB-VER', '5.0.1'],
      ['SELECT', '0'],
      ['PING'],
    ];
    const bytes = Buffer.concat(cmds.map((a) => Buffer.from(`*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`, 'latin1')));
    // Redis 7.0 has no CLIENT SETINFO (7.2): its answer is the unknown-subcommand error, Catena's
    // is +OK. Everything else must match byte for byte.
    const requests = decodeAll(bytes).values as Typed[][];
    const got: string[][] = [];
    for (const port of [c.port, redis.port]) {
      const r = await RawClient.connect(port);
      r.writeRaw(bytes);
      const g: string[] = [];
      for (let i = 0; i < requests.length; i++) g.push(normalise((await r.read()).raw));
      r.close();
      got.push(g);
    }
    t.equal(got[0]?.[0], got[1]?.[0], 'HELLO 3 AUTH SETNAME');
    t.equal(got[0]?.[1], '+OK\r\n', 'CLIENT SETINFO LIB-NAME (7.2)');
    t.equal(got[0]?.[2], '+OK\r\n', 'CLIENT SETINFO LIB-VER (7.2)');
    t.equal(got[1]?.[1], "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n", 'Redis 7.0 does not know SETINFO');
    t.equal(got[0]?.[3], got[1]?.[3], 'SELECT 0');
    t.equal(got[0]?.[4], got[1]?.[4], 'PING in RESP3');
  });
});
