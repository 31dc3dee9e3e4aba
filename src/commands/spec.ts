/**
 * The shape of a command (STYLE #7: commands are data). A family file declares, per
 * command, its name and handler; arity, flags, key positions, ACL categories and docs come
 * from Redis's own COMMAND INFO/DOCS (redis-commands.json), so they are Redis's by
 * construction, and `table.ts` validates every request against them before any handler runs.
 *
 * Two kinds of handler:
 * - `data`: deterministic, runs in the engine against the keyspace with an `Exec` (time and
 *   randomness from ctx). These are what replication ships.
 * - `node`: runs at the node the client is connected to (connection state, server admin,
 *   pub/sub), with the session and the server.
 */
import type { Reply } from '../resp/reply';
import type { Exec } from '../engine/exec';
import type { Typed } from '../resp/decoder';
import type { Session } from '../server/session';
import type { CatenaServer } from '../server/server';

export type DataHandler = (x: Exec, args: string[]) => Reply;
export type NodeHandler = (s: Session, args: string[], server: CatenaServer) => Reply | Promise<Reply>;

/** What a family file declares for one command or subcommand ("client|id"). */
export interface CommandDef {
  name: string;
  data?: DataHandler;
  node?: NodeHandler;
  /** Key argument indexes for commands whose keys are not a fixed first/last/step range. */
  keys?: (args: string[]) => number[];
  /** Metadata for commands Redis does not have (Catena's own). */
  meta?: {
    arity: number;
    flags: string[];
    firstKey: number;
    lastKey: number;
    step: number;
    acl: string[];
    summary: string;
    group: string;
    since: string;
    /** COMMAND DOCS complexity (default "O(1)"). */
    complexity?: string;
    /** COMMAND INFO key specifications and COMMAND DOCS arguments, as Redis sends them. */
    keySpecs?: Typed[];
    arguments?: Typed[];
  };
}

export interface CommandSpec {
  /** Lower-case full name: "get", "client|id". */
  readonly name: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly acl: readonly string[];
  readonly group: string;
  /** COMMAND INFO entry as Redis sends it (subcommands limited to the ones Catena has). */
  info: Typed;
  /** COMMAND DOCS entry as Redis sends it. */
  docs: Typed;
  readonly data: DataHandler | undefined;
  readonly node: NodeHandler | undefined;
  readonly keys: ((args: string[]) => number[]) | undefined;
  readonly subcommands: Map<string, CommandSpec> | null;
  readonly parent: CommandSpec | null;
  /** Derived from flags, precomputed for the hot path. */
  readonly isWrite: boolean;
  readonly noAuth: boolean;
  readonly allowedInSubscribe: boolean;
  readonly noMulti: boolean;
  readonly blocking: boolean;
}

/** Key argument indexes of a request, from the spec's first/last/step or its key function. */
export function keyIndexes(spec: CommandSpec, args: string[]): number[] {
  if (spec.keys) return spec.keys(args);
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}
