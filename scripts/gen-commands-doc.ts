/**
 * Generates docs/commands.md from the command table: every Redis 7.0 command and
 * subcommand with Catena's support status. `npm run docs` rewrites it; test/docs.test.ts
 * fails when it is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRedisCommandNames, buildTable, redisDocsGroup, redisDocsSummary, redisVersion, specSummary } from '../src/commands/table';
import type { CommandSpec } from '../src/commands/spec';

export function renderCommandsDoc(): string {
  const table = buildTable();
  const supported = new Map<string, CommandSpec>();
  for (const spec of table.values()) {
    if (spec.subcommands) for (const sub of spec.subcommands.values()) supported.set(sub.name, sub);
    else supported.set(spec.name, spec);
  }
  const groups = new Map<string, Array<{ name: string; ok: boolean; summary: string; kind: string }>>();
  const names = new Set([...allRedisCommandNames(), ...supported.keys()]);
  for (const name of [...names].sort()) {
    const spec = supported.get(name);
    const parentSpec = table.get(name.split('|')[0] as string);
    const group = spec?.group ?? parentSpec?.group ?? redisDocsGroup(name);
    const list = groups.get(group) ?? [];
    list.push({
      name,
      ok: spec !== undefined,
      summary: redisDocsSummary(name) || (spec ? specSummary(spec) : ''),
      kind: spec === undefined ? '' : spec.data ? 'data' : 'node',
    });
    groups.set(group, list);
  }
  let total = 0;
  let ok = 0;
  let out = `# Commands\n\nGenerated from the command table by \`npm run docs\` (scripts/gen-commands-doc.ts); do not edit by hand.\n\n`;
  out += `Catena answers the Redis ${redisVersion} command set listed here. "data" commands run in the deterministic engine (they are what replication ships); "node" commands run at the node the client is connected to. Commands marked "not yet" answer \`ERR unknown command\` exactly as Redis does for a command it does not know.\n\n`;
  const body: string[] = [];
  for (const group of [...groups.keys()].sort()) {
    const list = groups.get(group) ?? [];
    body.push(`## ${group}\n\n| command | status | kind | summary |\n|---|---|---|---|`);
    for (const c of list) {
      total++;
      if (c.ok) ok++;
      body.push(`| ${c.name.toUpperCase().replace('|', ' ')} | ${c.ok ? 'supported' : 'not yet'} | ${c.kind} | ${c.summary.replace(/\|/g, '\\|')} |`);
    }
    body.push('');
  }
  out += `Supported: ${ok} of ${total} commands and subcommands.\n\n`;
  return out + body.join('\n');
}

if (require.main === module) {
  const target = path.join(process.cwd(), 'docs', 'commands.md');
  fs.writeFileSync(target, renderCommandsDoc());
  console.log(`wrote ${target}`);
}
