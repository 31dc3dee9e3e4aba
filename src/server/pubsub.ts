/**
 * Pub/sub at this node: channel, pattern and shard-channel subscriptions, PUBLISH fan-out,
 * and keyspace notifications (notify-keyspace-events).
 */
import type { CatenaServer } from './server';
import type { Session } from './session';
import type { KeyEvent } from '../engine/exec';

export class PubSub {
  constructor(readonly server: CatenaServer) {}
  removeSession(_s: Session): void {}
  keyEvents(_events: KeyEvent[]): void {}
}
