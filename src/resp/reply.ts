/**
 * Reply values: what a command returns, independent of the RESP version. The encoder turns
 * them into RESP2 or RESP3 bytes; the cluster will ship and digest them as they are.
 * Plain JS values stand for the common cases (string → bulk string, number/bigint → integer,
 * null → null bulk, array → array); classes mark the rest. Strings are binary strings: one
 * char per byte (latin1), so any byte sequence round-trips.
 */

export class StatusReply {
  constructor(readonly text: string) {}
}
export class ErrorReply {
  /** `text` is the whole error line without the leading '-', e.g. "ERR syntax error". */
  constructor(readonly text: string) {}
}
/** RESP3 map (`%`); in RESP2 a flat array of key, value, key, value. */
export class MapReply {
  constructor(readonly flat: Reply[]) {}
}
/**
 * An array of pairs given flat (a1, b1, a2, b2...): RESP2 sends it flat, RESP3 nests each pair
 * in a 2-array, as Redis 7.0 does for ZRANGE WITHSCORES, ZPOPMIN with a count, ZRANDMEMBER
 * WITHSCORES, HRANDFIELD WITHVALUES.
 */
export class PairsReply {
  constructor(readonly flat: Reply[]) {}
}
/** RESP3 set (`~`); in RESP2 an array. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}
/** RESP3 double (`,`); in RESP2 a bulk string formatted as Redis 7.0 does (`%.17g`). */
export class DoubleReply {
  constructor(readonly value: number) {}
}
/** RESP3 boolean (`#`); in RESP2 the integer 1 or 0. */
export class BoolReply {
  constructor(readonly value: boolean) {}
}
/** RESP3 verbatim string (`=`); in RESP2 a bulk string. */
export class VerbatimReply {
  constructor(readonly format: string, readonly text: string) {}
}
/** RESP3 push (`>`); in RESP2 an array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}
/** A null where Redis sends a null *array* in RESP2 (`*-1`); RESP3 `_`. */
export class NullArrayReply {
  private constructor() {}
  static readonly instance = new NullArrayReply();
}
/** Several replies sent back to back for one command (SUBSCRIBE a b → two pushes). */
export class MultiReply {
  constructor(readonly replies: Reply[]) {}
}
/** No reply at all (CLIENT REPLY OFF/SKIP, or a reply already sent elsewhere). */
export class NoReply {
  private constructor() {}
  static readonly instance = new NoReply();
}

export type Reply =
  | string
  | number
  | bigint
  | null
  | Reply[]
  | StatusReply
  | ErrorReply
  | MapReply
  | PairsReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | PushReply
  | NullArrayReply
  | MultiReply
  | NoReply;

export const OK = new StatusReply('OK');
export const PONG = new StatusReply('PONG');
export const QUEUED = new StatusReply('QUEUED');
export const NULL_ARRAY = NullArrayReply.instance;
export const NO_REPLY = NoReply.instance;

export function isError(r: Reply): r is ErrorReply {
  return r instanceof ErrorReply;
}
