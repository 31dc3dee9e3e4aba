/**
 * The deterministic state machine (DESIGN: engine). `apply(keyspace, command, ctx)` runs a
 * data command and returns its reply, the effects it made and the keyspace events it
 * raised. Everything non-deterministic comes from `ctx`; the same updates in the same order
 * give every replica the same keyspace, replies and effects.
 */
import type { Keyspace } from './keyspace';
import { EngineStats, Exec, type KeyEvent, type UpdateCtx } from './exec';
import type { Effect } from './effects';
import type { Reply } from '../resp/reply';
import type { CommandSpec } from '../commands/spec';
import { expireHashFields } from './types/hash';
import { activeExpireHashFieldsPerCycle } from '../limits';

export interface ApplyResult {
  reply: Reply;
  effects: Effect[];
  events: KeyEvent[];
}

export class Engine {
  readonly stats = new EngineStats();
  /** Whether updates record keyspace events (the node turns this off when no one subscribes to them). */
  eventsWanted = true;
  constructor(readonly ks: Keyspace) {}

  private exec(ctx: UpdateCtx): Exec {
    const x = new Exec(this.ks, this.stats, ctx);
    x.eventsWanted = this.eventsWanted;
    return x;
  }

  /** Run one data command. */
  apply(spec: CommandSpec, args: string[], ctx: UpdateCtx): ApplyResult {
    const x = this.exec(ctx);
    const reply = this.run(x, spec, args);
    return { reply, effects: x.effects, events: x.events };
  }

  /**
   * Run several data commands as one update (EXEC): one ctx, one time, nothing in between.
   * `select` entries change the database for the commands after them, as SELECT in MULTI does.
   */
  applyBatch(items: Array<{ spec: CommandSpec; args: string[] } | { select: number }>, ctx: UpdateCtx): ApplyResult & { replies: Reply[] } {
    const x = this.exec(ctx);
    const replies: Reply[] = [];
    for (const item of items) {
      if ('select' in item) x.selectDb(item.select);
      else replies.push(this.run(x, item.spec, item.args));
    }
    return { reply: replies, replies, effects: x.effects, events: x.events };
  }

  private run(x: Exec, spec: CommandSpec, args: string[]): Reply {
    const handler = spec.data;
    if (handler === undefined) throw new Error(`${spec.name} is not a data command`);
    x.writable = spec.isWrite;
    return handler(x, args);
  }

  /**
   * Active expiry as an ordinary update: delete those of `keys` (in `db`) whose time has
   * come by ctx.nowMs. The node samples candidates; the decision is made here, so replicas
   * agree.
   */
  expireKeys(db: number, keys: string[], ctx: UpdateCtx): ApplyResult {
    const x = this.exec({ ...ctx, db });
    x.writable = true;
    let n = 0;
    for (const k of keys) {
      if (x.db.data.has(k) && x.isExpired(k)) {
        x.expireNow(k);
        n++;
      }
    }
    return { reply: n, effects: x.effects, events: x.events };
  }

  /**
   * Active expiry of hash fields (Redis 7.4 hashTypeDbActiveExpire) as an ordinary update:
   * in the hashes `keys` of `db`, delete the fields whose time has come by ctx.nowMs (at most
   * activeExpireHashFieldsPerCycle), each deletion an `hdel` effect; a hash left empty goes.
   */
  expireHashFields(db: number, keys: string[], ctx: UpdateCtx): ApplyResult {
    const x = this.exec({ ...ctx, db });
    x.writable = true;
    const n = expireHashFields(x, keys, activeExpireHashFieldsPerCycle);
    return { reply: n, effects: x.effects, events: x.events };
  }
}
