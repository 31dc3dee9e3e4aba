// Invariant (DESIGN: engine, backends): the effects an update emits are the whole change.
// Replaying every effect a node emitted, in order, into an empty keyspace must give exactly
// the node's keyspace (same digest) — for every family's random workload. This is what a
// backend will persist and a restarted replica will load, so a command that mutates state
// without emitting its effect fails here.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCatena } from './helpers/catena';
import { RawClient } from './helpers/raw-client';
import { Vocab, type DiffCommand } from './helpers/differential';
import { Rng } from '../src/engine/rng';
import { Keyspace } from '../src/engine/keyspace';
import { applyEffect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import type { ApplyResult } from '../src/engine/engine';

const genDir = path.join(__dirname, 'diff');
const generators = fs
  .readdirSync(genDir)
  .filter((f) => /^gen-.*\.ts$/.test(f))
  .sort();

t.ok(generators.length > 0, 'there are workload generators to replay');

for (const file of generators) {
  t.test(`effects of the ${file.replace(/^gen-|\.ts$/g, '')} workload replay to the same keyspace`, async (t) => {
    const mod = (await import(path.join(genDir, file))) as { generate: (v: Vocab, i: number) => DiffCommand };
    const node = await startCatena(t);
    const replica = new Keyspace(node.server.ks.databases, node.server.ks.hashSeed);
    const original = node.server.afterUpdate.bind(node.server);
    node.server.afterUpdate = (r: ApplyResult) => {
      for (const e of r.effects) applyEffect(replica, e);
      original(r);
    };
    const c = await RawClient.connect(node.port);
    t.teardown(() => c.close());
    const v = new Vocab(new Rng(4242));
    for (let batch = 0; batch < 40; batch++) {
      const cmds: string[][] = [];
      for (let i = 0; i < 50; i++) cmds.push(mod.generate(v, batch * 50 + i).args);
      c.send(...cmds);
      for (let i = 0; i < cmds.length; i++) await c.read();
      t.equal(keyspaceDigest(replica), keyspaceDigest(node.server.ks), `digests agree after ${(batch + 1) * 50} commands`);
      if (keyspaceDigest(replica) !== keyspaceDigest(node.server.ks)) break;
    }
  });
}
