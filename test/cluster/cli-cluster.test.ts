// `npm start`'s command, as a newcomer runs it: `catena cluster --nodes 3 --base-port P
// --backend fs --dir D` starts three node processes; a client on any node reads what a client
// on another wrote; Ctrl-C (SIGINT) stops every node cleanly (exit 0); started again on the
// same directory, the cluster has its data back. And `catena server --cluster` refuses bad
// cluster files and secrets with a clear message.
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, canConnect, catena, ensureBuilt, finished, sleep } from '../helpers/cli-process';
import { RawClient } from '../helpers/raw-client';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port P with P..P+2 and P+10000..P+10002 free. */
async function freeBase(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (const q of [p, p + 1, p + 2, p + 10000, p + 10001, p + 10002]) if (!(await portFree(q))) ok = false;
    if (ok) return p;
  }
  throw new Error('no free port range');
}

t.before(() => ensureBuilt(t));

t.test('catena cluster: three nodes, any node serves any key, SIGINT stops them, data survives a restart', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-cli-cluster-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const base = await freeBase();
  const start = async () => {
    const child = spawn(process.execPath, [BIN, 'cluster', '--nodes', '3', '--base-port', String(base), '--backend', 'fs', '--dir', dir], { cwd: ROOT });
    const done = finished(child, 120000);
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    for (let i = 0; i < 400; i++) {
      if ((await canConnect(base)) && (await canConnect(base + 1)) && (await canConnect(base + 2))) break;
      await sleep(50);
    }
    return { child, done };
  };
  const first = await start();
  const a = await RawClient.connect(base);
  const c = await RawClient.connect(base + 2);
  for (let i = 0; i < 30; i++) t.equal(await a.call('SET', `key:${i}`, `v${i}`), '+OK\r\n');
  t.equal(await c.call('GET', 'key:7'), '$2\r\nv7\r\n', 'a write through one node is read through another');
  t.equal(await c.call('DBSIZE'), ':30\r\n');
  a.close();
  c.close();
  first.child.kill('SIGINT');
  const r = await first.done;
  t.equal(r.code, 0, 'Ctrl-C stops the cluster cleanly');
  t.match(r.stdout, /Catena cluster: 3 nodes/, 'it says what it started');
  t.ok(fs.existsSync(path.join(dir, 'cluster.json')) && fs.existsSync(path.join(dir, 'cluster.secret')), 'cluster file and secret are kept');
  const second = await start();
  const b = await RawClient.connect(base + 1);
  t.equal(await b.call('GET', 'key:29'), '$3\r\nv29\r\n', 'the data is back after a restart');
  t.equal(await b.call('DBSIZE'), ':30\r\n');
  b.close();
  second.child.kill('SIGTERM');
  t.equal((await second.done).code, 0);
});

t.test('catena server --cluster refuses bad input clearly', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-cli-bad-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({ nodes: [{ id: 'n1', host: '127.0.0.1', port: 7001, peerHost: '127.0.0.1', peerPort: 7001 }], replication: 2 }));
  const bad = await catena(['server', '--node-id', 'n1', '--cluster', file, '--cluster-secret', 'x'.repeat(32)]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /cluster file .*: /, 'an invalid cluster file is refused with the reason');
  fs.writeFileSync(file, JSON.stringify({ nodes: [{ id: 'n1', host: '127.0.0.1', port: 7001, peerHost: '127.0.0.1', peerPort: 17001 }] }));
  const short = await catena(['server', '--node-id', 'n1', '--cluster', file, '--cluster-secret', 'short']);
  t.equal(short.code, 1);
  t.match(short.stderr, /secret is 5 bytes; at least 16/, 'a short secret is refused');
  const who = await catena(['server', '--node-id', 'n9', '--cluster', file, '--cluster-secret', 'x'.repeat(32)]);
  t.match(who.stderr, /node 'n9' is not in/, 'an unknown node id is refused');
  const alone = await catena(['server', '--cluster', file]);
  t.match(alone.stderr, /--cluster and --node-id go together/);
  const help = await catena(['cluster', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--base-port/);
});
