/**
 * Generates src/commands/redis-commands.json from a real Redis 7.0: each command's
 * `COMMAND INFO` and `COMMAND DOCS` replies as typed RESP3 trees. Catena's command table
 * takes arity, flags, key positions, ACL categories and docs from it, so they are Redis's
 * own (STYLE #7); a test compares our COMMAND INFO with the live Redis's.
 * Usage: REDIS_URL=redis://127.0.0.1:6379 npx tsx scripts/gen-redis-commands.ts
 * (or: node dist/scripts/gen-redis-commands.js after tsc).
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeOne, NeedMore, type Typed } from '../src/resp/decoder';

function encode(args: string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

async function query(port: number, host: string, cmds: string[][]): Promise<Typed[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    let buf = Buffer.alloc(0);
    const out: Typed[] = [];
    sock.on('connect', () => {
      for (const c of cmds) sock.write(encode(c));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        try {
          const r = decodeOne(buf);
          out.push(r.value);
          buf = buf.subarray(r.end);
        } catch (e) {
          if (e instanceof NeedMore) break;
          reject(e);
          return;
        }
      }
      if (out.length === cmds.length) {
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', reject);
  });
}

async function main(): Promise<void> {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const port = Number(url.port || 6379);
  const [, info, docs, version] = await query(port, url.hostname, [
    ['HELLO', '3'],
    ['COMMAND', 'INFO'],
    ['COMMAND', 'DOCS'],
    ['INFO', 'server'],
  ]);
  if (!Array.isArray(info) || docs === null || typeof docs !== 'object' || !('m' in docs)) throw new Error('unexpected reply');
  const out: Record<string, { info: Typed; docs: Typed }> = {};
  for (const entry of info) {
    if (!Array.isArray(entry)) continue;
    out[String(entry[0])] = { info: entry, docs: null };
  }
  for (let i = 0; i < docs.m.length; i += 2) {
    const name = String(docs.m[i]);
    const rec = out[name];
    if (rec) rec.docs = docs.m[i + 1] as Typed;
  }
  const v = String((version as { v?: string }).v ?? version).match(/redis_version:(\S+)/)?.[1];
  const file = path.join(__dirname, '..', '..', 'src', 'commands', 'redis-commands.json');
  const target = fs.existsSync(path.dirname(file)) ? file : path.join(process.cwd(), 'src/commands/redis-commands.json');
  fs.writeFileSync(target, JSON.stringify({ redisVersion: v, commands: out }, null, 0) + '\n');
  console.log(`wrote ${Object.keys(out).length} commands from Redis ${v} to ${target}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
