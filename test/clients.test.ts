// Real client libraries against Catena, each with a small realistic workload: ioredis with
// its default options (which negotiate RESP3 with HELLO 3, then run the INFO ready check) and
// node-redis (v6: RESP3 by default; also RESP: 2 and RESP: 3 set explicitly). A recording
// proxy shows what each library sent and what it was answered, so the protocol actually
// negotiated is checked on the wire, not assumed. When a redis-server is available, the same
// workload runs against it and the results must be the same.
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { startRecordingProxy } from './helpers/wire';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wait until `check` holds (a pub/sub message arrived...), at most timeoutMs. */
async function until(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(5);
  return check();
}

async function ioredisWorkload(port: number, prefix: string): Promise<Record<string, unknown>> {
  const errors: string[] = [];
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', (e: Error) => errors.push(e.message));
  const sub = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  sub.on('error', (e: Error) => errors.push(`sub: ${e.message}`));
  try {
    await Promise.all([r, sub].map((c) => new Promise<void>((resolve, reject) => {
      c.once('ready', () => resolve());
      c.once('end', () => reject(new Error(`ioredis never became ready: ${errors.join('; ')}`)));
    })));
    const out: Record<string, unknown> = { status: r.status };
    const a = `${prefix}a`;
    out.set = await r.set(a, '1');
    out.get = await r.get(a);
    out.incr = await r.incr(a);
    out.incrby = await r.incrby(a, 5);
    out.expire = await r.expire(a, 100);
    const ttl = await r.ttl(a);
    out.ttlInRange = ttl > 90 && ttl <= 100;
    out.mget = await r.mget(a, `${prefix}none`);
    out.setBinary = await r.set(Buffer.concat([Buffer.from(prefix), ALL_BYTES]), ALL_BYTES);
    const back = await r.getBuffer(Buffer.concat([Buffer.from(prefix), ALL_BYTES]));
    out.binaryRoundTrip = back !== null && back.equals(ALL_BYTES);
    out.pipeline = await r.pipeline().set(`${prefix}p`, 'v').get(`${prefix}p`).incr(`${prefix}n`).get(`${prefix}missing`).exec();
    out.multi = await r.multi().set(`${prefix}m`, 'x').append(`${prefix}m`, 'yz').get(`${prefix}m`).exec();
    out.del = await r.del(a, `${prefix}none`, `${prefix}p`);
    out.exists = await r.exists(a);
    const messages: string[] = [];
    sub.on('message', (ch: string, msg: string) => messages.push(`${ch}:${msg}`));
    out.subscribe = await sub.subscribe(`${prefix}ch`);
    out.publish = await r.publish(`${prefix}ch`, 'hello');
    out.messageArrived = await until(() => messages.length > 0);
    out.messages = messages;
    out.errors = errors;
    return out;
  } finally {
    r.disconnect();
    sub.disconnect();
  }
}

const ioredisExpected = (prefix: string) => ({
  status: 'ready',
  set: 'OK',
  get: '1',
  incr: 2,
  incrby: 7,
  expire: 1,
  ttlInRange: true,
  mget: ['7', null],
  setBinary: 'OK',
  binaryRoundTrip: true,
  pipeline: [[null, 'OK'], [null, 'v'], [null, 1], [null, null]],
  multi: [[null, 'OK'], [null, 3], [null, 'xyz']],
  del: 2,
  exists: 0,
  subscribe: 1,
  publish: 1,
  messageArrived: true,
  messages: [`${prefix}ch:hello`],
  errors: [],
});

type NodeRedisOptions = { RESP?: 2 | 3 };

async function nodeRedisWorkload(port: number, prefix: string, opts: NodeRedisOptions): Promise<Record<string, unknown>> {
  const errors: string[] = [];
  const c = createClient({ url: `redis://127.0.0.1:${port}`, ...opts, socket: { reconnectStrategy: false } });
  c.on('error', (e: Error) => errors.push(e.message));
  await c.connect();
  const sub = c.duplicate();
  sub.on('error', (e: Error) => errors.push(`sub: ${e.message}`));
  await sub.connect();
  try {
    const out: Record<string, unknown> = { ready: c.isReady };
    const a = `${prefix}a`;
    out.set = await c.set(a, '1');
    out.get = await c.get(a);
    out.incr = await c.incr(a);
    out.incrBy = await c.incrBy(a, 5);
    out.expire = await c.expire(a, 100);
    const ttl = await c.ttl(a);
    out.ttlInRange = ttl > 90 && ttl <= 100;
    out.mGet = await c.mGet([a, `${prefix}none`]);
    const bin = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const binKey = Buffer.concat([Buffer.from(prefix), ALL_BYTES]);
    out.setBinary = await c.set(binKey, ALL_BYTES);
    const back = (await bin.get(binKey)) as unknown;
    out.binaryRoundTrip = Buffer.isBuffer(back) && back.equals(ALL_BYTES);
    out.pipeline = await c.multi().set(`${prefix}p`, 'v').get(`${prefix}p`).incr(`${prefix}n`).get(`${prefix}missing`).execAsPipeline();
    out.multi = await c.multi().set(`${prefix}m`, 'x').append(`${prefix}m`, 'yz').get(`${prefix}m`).exec();
    out.del = await c.del([a, `${prefix}none`, `${prefix}p`]);
    out.exists = await c.exists(a);
    const messages: string[] = [];
    await sub.subscribe(`${prefix}ch`, (msg: string, ch: string) => messages.push(`${ch}:${msg}`));
    out.publish = await c.publish(`${prefix}ch`, 'hello');
    out.messageArrived = await until(() => messages.length > 0);
    out.messages = messages;
    // Raw replies, as the protocol gives them: RESP3 maps and doubles, RESP2 arrays and strings.
    await c.zAdd(`${prefix}z`, { score: 1.5, value: 'm' });
    out.rawZscore = await c.sendCommand(['ZSCORE', `${prefix}z`, 'm']);
    out.rawHelloIsMap = await c.sendCommand(['HELLO']).then((h) => !Array.isArray(h) && h !== null && typeof h === 'object');
    out.errors = errors;
    return out;
  } finally {
    c.destroy();
    sub.destroy();
  }
}

const nodeRedisExpected = (prefix: string, resp: 2 | 3) => ({
  ready: true,
  set: 'OK',
  get: '1',
  incr: 2,
  incrBy: 7,
  expire: 1,
  ttlInRange: true,
  mGet: ['7', null],
  setBinary: 'OK',
  binaryRoundTrip: true,
  pipeline: ['OK', 'v', 1, null],
  multi: ['OK', 3, 'xyz'],
  del: 2,
  exists: 0,
  publish: 1,
  messageArrived: true,
  messages: [`${prefix}ch:hello`],
  rawZscore: resp === 3 ? 1.5 : '1.5',
  rawHelloIsMap: resp === 3,
  errors: [],
});

/** The first request a client sent, as its argument list (from the recorded bytes). */
function firstCommand(sent: string): string[] {
  const lines = sent.split('\r\n');
  const n = Number((lines[0] ?? '').slice(1));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(lines[2 + 2 * i] ?? '');
  return out;
}

async function withReference(t: Test, label: string, run: (port: number) => Promise<Record<string, unknown>>, catenaResult: Record<string, unknown>): Promise<void> {
  const redis = await startRedis(t);
  if (redis === null) {
    t.comment(`no redis-server: ${label} not compared with Redis`);
    return;
  }
  t.same(await run(redis.port), catenaResult, `${label}: the same results as against Redis`);
}

t.test('ioredis, default options: HELLO 3, ready check, commands, pipeline, multi, binary, pub/sub', async (t) => {
  const c = await startCatena(t);
  const proxy = await startRecordingProxy(t, c.port);
  const prefix = `io:${process.pid}:`;
  const got = await ioredisWorkload(proxy.port, prefix);
  t.same(got, ioredisExpected(prefix), 'ioredis workload results');
  t.same(firstCommand(proxy.sent()), ['hello', '3'], 'ioredis opens with HELLO 3 (its default protocol)');
  t.match(proxy.received(), /^%7\r\n\$6\r\nserver\r\n/, 'and gets a RESP3 map back');
  t.match(proxy.sent(), /\*1\r\n\$4\r\ninfo\r\n/, 'then runs its INFO ready check');
  await withReference(t, 'ioredis', (port) => ioredisWorkload(port, prefix), got);
});

for (const [label, opts, resp] of [
  ['node-redis default options (v6: RESP3)', {}, 3],
  ['node-redis RESP: 2', { RESP: 2 }, 2],
  ['node-redis RESP: 3', { RESP: 3 }, 3],
] as const) {
  t.test(`${label}: commands, pipeline, multi, binary, pub/sub, reply types`, async (t) => {
    const c = await startCatena(t);
    const proxy = await startRecordingProxy(t, c.port);
    const prefix = `nr${resp}:${process.pid}:`;
    const got = await nodeRedisWorkload(proxy.port, prefix, opts);
    t.same(got, nodeRedisExpected(prefix, resp), `${label}: workload results`);
    const sent = proxy.sent();
    const received = proxy.received();
    if (resp === 3) {
      t.same(firstCommand(sent), ['HELLO', '3'], 'opens with HELLO 3');
      t.match(received, /^%7\r\n/, 'HELLO answered with a RESP3 map');
      t.match(received, /\r\n_\r\n/, 'a missing key is a RESP3 null (_)');
      t.match(received, /\r\n,1\.5\r\n/, 'ZSCORE is a RESP3 double');
    } else {
      t.notMatch(sent, /HELLO\r\n\$1\r\n3/, 'never asks for RESP3');
      t.match(received, /\r\n\$-1\r\n/, 'a missing key is a RESP2 null bulk');
      t.notMatch(received, /\r\n_\r\n/, 'no RESP3 types on a RESP2 connection');
      t.match(received, /\$3\r\n1\.5\r\n/, 'ZSCORE is a bulk string');
    }
    await withReference(t, label, (port) => nodeRedisWorkload(port, prefix, opts), got);
  });
}
