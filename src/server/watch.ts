/**
 * WATCH bookkeeping: which sessions watch which keys, marking them dirty when an update
 * touches a key (Redis touchWatchedKey) or flushes/swaps its database.
 */
import type { CatenaServer } from './server';
import type { Session } from './session';
import type { Effect } from '../engine/effects';

export class Watches {
  constructor(readonly server: CatenaServer) {}
  touch(_effects: Effect[]): void {}
  unwatchAll(_s: Session): void {}
}
