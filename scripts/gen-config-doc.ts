/**
 * Generates docs/config.md from the CONFIG parameter table (src/server/config-params.ts):
 * every Redis 7.0 parameter with its default, type, whether Catena applies it, and why.
 * test/config.test.ts fails when the doc is stale.
 * Usage (from the repo root): npx ts-node --transpile-only scripts/gen-config-doc.ts, or after
 * `npm run build`: node dist/scripts/gen-config-doc.js.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paramDefs } from '../src/server/config-params';
import type { ParamDef } from '../src/server/config';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function shownDefault(d: ParamDef): string {
  // `dir` defaults to the node's working directory, which differs per machine.
  if (d.name === 'dir') return '(working directory)';
  return d.default === '' ? '""' : `\`${d.default}\``;
}

function flagsOf(d: ParamDef): string {
  const f: string[] = [];
  if (d.immutable) f.push('immutable');
  if (d.protected) f.push('protected');
  if (d.hidden) f.push('hidden');
  if (d.sensitive) f.push('sensitive');
  return f.join(', ');
}

export function renderConfigDoc(): string {
  const defs = [...paramDefs].sort((a, b) => a.name.localeCompare(b.name));
  const applied = defs.filter((d) => d.applied).length;
  const rows = defs.map((d) => {
    const names = [d.name, ...(d.aliases ?? [])].map((n) => `\`${n}\``).join(' / ');
    return `| ${names} | ${cell(d.type ?? '')} | ${cell(shownDefault(d))} | ${d.applied ? 'applied' : 'inert'} | ${flagsOf(d)} | ${cell(d.note ?? '')} |`;
  });
  return `# CONFIG parameters

Generated from src/server/config-params.ts by scripts/gen-config-doc.ts; do not edit by hand.

Every Redis 7.0 parameter is accepted by CONFIG SET (with Redis's validation and error texts),
stored, and reported by CONFIG GET, with the defaults of a Redis started without a
configuration file. **applied** parameters change what Catena does; **inert** ones are kept
only so that clients and tools that read or set them keep working. ${defs.length} parameters,
${applied} applied.

Flags: *immutable* — CONFIG SET answers \`can't set immutable config\` (set them at start-up:
\`catena server --port/--bind/--config\`); *protected* — settable only when
\`enable-protected-configs\` allows it; *hidden* — not matched by CONFIG GET patterns, only by
its exact name; *sensitive* — the value is shown as \`(redacted)\` in SLOWLOG and MONITOR.

Differences from Redis 7.0 on purpose: \`port\` and \`bind\` are immutable (Catena does not
re-listen at run time); \`save\` defaults to \`""\` (there are no RDB snapshots to schedule);
CONFIG REWRITE answers \`ERR The server is running without a config file\` (the node reads its
\`--config\` file once at start-up and never writes it); INFO's Latencystats section is empty
(no per-command latency histograms are kept).

Related server-command behaviour:

- \`SAVE\`, \`BGSAVE\`, \`BGREWRITEAOF\` answer \`ERR <command> is not supported by Catena\`: data
  is made durable by the storage backend as it is applied, there is no snapshot to take.
  \`LASTSAVE\` and INFO's \`rdb_last_save_time\` are the node's start time, as for a Redis that
  never saved; the other persistence fields are those of a Redis without persistence.
- INFO \`used_memory\` is measured, not computed: the node process's V8 heap in use plus memory
  outside the heap (Buffers). MEMORY USAGE computes Redis's figure (exact for strings).
- \`SHUTDOWN\` closes every connection and the listener without a reply, as Redis does;
  \`SHUTDOWN ABORT\` answers \`ERR No shutdown in progress.\`.
- \`DEBUG\` is refused unless \`enable-debug-command\` allows it; Catena then implements only
  \`DEBUG SLEEP\`, which delays the caller's reply without freezing the node.
- \`MONITOR\` streams executed commands (credentials redacted, admin commands hidden) like Redis.
- \`LATENCY\` reports no events (there is no latency monitor) and \`LATENCY HISTOGRAM\` gives call
  counts with empty histograms; \`CLIENT PAUSE\` and \`CLIENT TRACKING ON\` are refused
  (not supported); \`WAIT\` answers 0 (no Redis replicas) after its timeout.

| name | type | default | Catena | flags | notes |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

if (require.main === module) {
  const target = path.join(process.cwd(), 'docs', 'config.md');
  fs.writeFileSync(target, renderConfigDoc());
  console.log(`wrote ${target}`);
}
