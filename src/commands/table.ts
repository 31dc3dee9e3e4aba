/**
 * The command table: every family's definitions merged with Redis's metadata into
 * CommandSpecs. COMMAND, COMMAND INFO/DOCS/COUNT/LIST/GETKEYS, the arity and
 * unknown-command errors, routing and docs/commands.md all derive from this one table.
 */
import type { CommandDef, CommandSpec } from './spec';
import type { Typed } from '../resp/decoder';
import redisMeta from './redis-commands.json';
import { commands as stringCommands } from './strings';
import { commands as keyCommands } from './keys';
import { commands as connectionCommands } from './connection';
import { commands as serverCommands } from './server';
import { commands as transactionCommands } from './transactions';
import { commands as pubsubCommands } from './pubsub';
import { commands as listCommands } from './lists';
import { commands as zsetCommands } from './zsets';
import { commands as bitmapCommands } from './bitmaps';
import { commands as hyperloglogCommands } from './hyperloglog';
import { commands as hashCommands } from './hashes';
import { commands as setCommands } from './sets';
import { commands as clusterCommands } from './cluster';

export const families: Record<string, CommandDef[]> = {
  strings: stringCommands,
  keys: keyCommands,
  connection: connectionCommands,
  server: serverCommands,
  transactions: transactionCommands,
  pubsub: pubsubCommands,
  lists: listCommands,
  zsets: zsetCommands,
  bitmaps: bitmapCommands,
  hyperloglog: hyperloglogCommands,
  hashes: hashCommands,
  sets: setCommands,
  cluster: clusterCommands,
};

interface RedisMeta {
  redisVersion: string;
  commands: Record<string, { info: Typed; docs: Typed }>;
}
const meta = redisMeta as unknown as RedisMeta;

/** The Redis version whose command metadata the table carries (INFO redis_version). */
export const redisVersion = meta.redisVersion;

function setItems(t: Typed): string[] {
  if (t !== null && typeof t === 'object' && 'set' in t) {
    return t.set.map((x) => (x !== null && typeof x === 'object' && 's' in x ? x.s : String(x)));
  }
  return [];
}

function docField(docs: Typed, field: string): Typed | undefined {
  if (docs === null || typeof docs !== 'object' || !('m' in docs)) return undefined;
  for (let i = 0; i < docs.m.length; i += 2) if (docs.m[i] === field) return docs.m[i + 1];
  return undefined;
}

function subDocs(docs: Typed, sub: string): Typed {
  const subs = docField(docs, 'subcommands');
  if (subs === undefined || subs === null || typeof subs !== 'object' || !('m' in subs)) return null;
  for (let i = 0; i < subs.m.length; i += 2) if (subs.m[i] === sub) return subs.m[i + 1] ?? null;
  return null;
}

function findInfo(name: string): { info: Typed[]; docs: Typed } | undefined {
  const [parent, sub] = name.split('|');
  const rec = meta.commands[parent as string];
  if (!rec) return undefined;
  if (sub === undefined) return { info: rec.info as Typed[], docs: rec.docs };
  const subs = (rec.info as Typed[])[9];
  if (!Array.isArray(subs)) return undefined;
  for (const s of subs) if (Array.isArray(s) && s[0] === name) return { info: s, docs: subDocs(rec.docs, name) };
  return undefined;
}

function makeSpec(name: string, def: CommandDef | undefined, parent: CommandSpec | null): CommandSpec {
  let info: Typed[];
  let docs: Typed;
  const found = findInfo(name);
  if (found) {
    info = [...found.info];
    docs = found.docs;
  } else if (def?.meta) {
    const m = def.meta;
    info = [
      name,
      m.arity,
      { set: m.flags.map((s) => ({ s })) },
      m.firstKey,
      m.lastKey,
      m.step,
      { set: m.acl.map((s) => ({ s })) },
      { set: [] },
      { set: m.keySpecs ?? [] },
      { set: [] },
    ];
    docs = { m: ['summary', m.summary, 'since', m.since, 'group', m.group, 'complexity', m.complexity ?? 'O(1)'] };
    if (m.arguments !== undefined) (docs.m as Typed[]).push('arguments', m.arguments);
  } else {
    throw new Error(`command ${name} has no Redis metadata and no meta of its own`);
  }
  const flags = new Set(setItems(info[2] as Typed));
  const group = docField(docs, 'group');
  const spec: CommandSpec = {
    name,
    arity: info[1] as number,
    flags,
    firstKey: info[3] as number,
    lastKey: info[4] as number,
    step: info[5] as number,
    acl: setItems(info[6] as Typed),
    group: typeof group === 'string' ? group : 'server',
    info,
    docs,
    data: def?.data,
    node: def?.node,
    keys: def?.keys,
    subcommands: null,
    parent,
    isWrite: flags.has('write'),
    noAuth: flags.has('no_auth'),
    allowedInSubscribe: false,
    noMulti: flags.has('no_multi'),
    blocking: flags.has('blocking'),
  };
  const base = name.split('|')[0] as string;
  (spec as { allowedInSubscribe: boolean }).allowedInSubscribe = SUBSCRIBE_CONTEXT.has(base);
  return spec;
}

/** RESP2 subscribed clients may only send these (Redis 7.0 processCommand). */
const SUBSCRIBE_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

export function buildTable(): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  const subDefs = new Map<string, CommandDef[]>();
  const topDefs = new Map<string, CommandDef>();
  for (const defs of Object.values(families)) {
    for (const d of defs) {
      const [parent, sub] = d.name.split('|');
      if (sub === undefined) {
        if (topDefs.has(d.name)) throw new Error(`command ${d.name} defined twice`);
        topDefs.set(d.name, d);
      } else {
        const list = subDefs.get(parent as string) ?? [];
        list.push(d);
        subDefs.set(parent as string, list);
      }
    }
  }
  for (const [name, def] of topDefs) table.set(name, makeSpec(name, def, null));
  for (const [parentName, defs] of subDefs) {
    let parent = table.get(parentName);
    if (!parent) {
      parent = makeSpec(parentName, undefined, null);
      table.set(parentName, parent);
    }
    const subs = new Map<string, CommandSpec>();
    for (const d of defs) {
      if (subs.has(d.name)) throw new Error(`subcommand ${d.name} defined twice`);
      subs.set((d.name.split('|')[1] as string).toLowerCase(), makeSpec(d.name, d, parent));
    }
    (parent as { subcommands: Map<string, CommandSpec> | null }).subcommands = subs;
    // COMMAND INFO lists only the subcommands Catena implements.
    const info = parent.info as Typed[];
    info[9] = [...subs.values()].map((s) => s.info);
  }
  return table;
}

/** Every Redis 7 command name (top level and subcommands), for docs/commands.md. */
export function allRedisCommandNames(): string[] {
  const out: string[] = [];
  for (const [name, rec] of Object.entries(meta.commands)) {
    const subs = (rec.info as Typed[])[9];
    if (Array.isArray(subs) && subs.length > 0) for (const s of subs) out.push(String((s as Typed[])[0]));
    else out.push(name);
  }
  return out.sort();
}

/** True when `name` ("get", "client|id") is in the Redis 7.0 metadata; false for later commands Catena declares itself. */
export function hasRedisMetadata(name: string): boolean {
  return findInfo(name) !== undefined;
}

/** A spec's docs summary (Redis's, or the one a later command declares in its meta). */
export function specSummary(spec: CommandSpec): string {
  const s = docField(spec.docs, 'summary');
  return typeof s === 'string' ? s : '';
}

export function redisDocsGroup(name: string): string {
  const f = findInfo(name) ?? findInfo(name.split('|')[0] as string);
  const g = f ? docField(f.docs, 'group') : undefined;
  return typeof g === 'string' ? g : 'other';
}

export function redisDocsSummary(name: string): string {
  const f = findInfo(name);
  const s = f ? docField(f.docs, 'summary') : undefined;
  return typeof s === 'string' ? s : '';
}
