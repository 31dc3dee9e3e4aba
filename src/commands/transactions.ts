/**
 * Transactions (Redis multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH. Connection state only —
 * the session's queue and watches; EXEC hands the queue to `server.execTransaction`, which
 * runs it as one step. Queueing itself happens in the dispatcher (server.dispatch).
 */
import type { CommandDef } from './spec';
import type { Session } from '../server/session';
import type { CatenaServer } from '../server/server';
import { ErrorReply, NULL_ARRAY, OK } from '../resp/reply';
import { err } from '../resp/errors';

/** Redis discardTransaction: leave MULTI, forget the queue and both dirty flags, unwatch everything. RESET uses it too. */
export function discardTransaction(s: Session, server: CatenaServer): void {
  s.multi = null;
  s.multiFailed = false;
  s.watchDirty = false;
  server.watches.unwatchAll(s);
  server.cluster?.dropWatch(s);
}

/**
 * Redis rejectCommand on EXEC itself (arity, NOAUTH, subscribe context...): the transaction is
 * discarded and the reason reported as EXECABORT (execCommandAbort). Texts that Redis formats
 * without a code lose our "ERR " prefix; coded ones (NOAUTH ...) keep theirs.
 */
export function execRejected(s: Session, server: CatenaServer, reason: ErrorReply): ErrorReply {
  discardTransaction(s, server);
  const text = reason.text.startsWith('ERR ') ? reason.text.slice(4) : reason.text;
  return err.execAbortBecause(text);
}

export const commands: CommandDef[] = [
  {
    name: 'multi',
    node: (s) => {
      if (s.multi !== null) return err.multiNested;
      s.multi = [];
      return OK;
    },
  },
  {
    name: 'discard',
    node: (s, _args, server) => {
      if (s.multi === null) return err.discardWithoutMulti;
      discardTransaction(s, server);
      return OK;
    },
  },
  {
    name: 'exec',
    node: (s, _args, server) => {
      const queued = s.multi;
      if (queued === null) return err.execWithoutMulti;
      // One time for the whole EXEC: the expiry check and every queued command use it.
      const nowMs = Date.now();
      if (!s.watchDirty && server.watches.anyExpired(s, nowMs)) s.watchDirty = true;
      if (s.multiFailed || s.watchDirty) {
        const reply = s.multiFailed ? err.execAbort : NULL_ARRAY;
        discardTransaction(s, server);
        return reply;
      }
      // In a cluster, WATCH lives with the router; EXEC takes it along to the head.
      const clusterWatch = server.cluster?.takeWatch(s);
      discardTransaction(s, server);
      return server.execTransaction(s, queued, nowMs, clusterWatch);
    },
  },
  {
    name: 'watch',
    node: (s, args, server) => {
      if (s.multi !== null) return err.watchInMulti;
      // Redis: no point in watching once a watched key was touched; EXEC aborts anyway.
      if (s.watchDirty) return OK;
      const nowMs = Date.now();
      for (let i = 1; i < args.length; i++) server.watches.watch(s, s.db, args[i] as string, nowMs);
      return OK;
    },
  },
  {
    name: 'unwatch',
    node: (s, _args, server) => {
      server.watches.unwatchAll(s);
      s.watchDirty = false;
      return OK;
    },
  },
];
