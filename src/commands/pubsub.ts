/**
 * Pub/sub commands (Redis pubsub.c): (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
 * PUBSUB. Node commands: they change only this node's subscription state (server.pubsub)
 * and never the keyspace. Confirmations are pushes (arrays in RESP2), one per channel.
 */
import type { CommandDef } from './spec';
import { StatusReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { channelKind, patternKind, shardKind } from '../server/pubsub';

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
].map((line) => new StatusReply(line));

/** PUBSUB CHANNELS / SHARDCHANNELS take at most one pattern; more is Redis's subcommand syntax error. */
function channelsOf(shard: boolean): NonNullable<CommandDef['node']> {
  return (_s, args, server) => {
    if (args.length > 3) return err.unknownSubcommandOrArity(args[1] as string, 'pubsub');
    return server.pubsub.activeChannels(shard, args[2]);
  };
}

function numsubOf(shard: boolean): NonNullable<CommandDef['node']> {
  return (_s, args, server) => {
    const out: Reply[] = [];
    for (let i = 2; i < args.length; i++) out.push(args[i] as string, server.pubsub.subscriberCount(shard, args[i] as string));
    return out;
  };
}

export const commands: CommandDef[] = [
  { name: 'subscribe', node: (s, args, server) => server.pubsub.subscribe(s, channelKind, args.slice(1)) },
  { name: 'psubscribe', node: (s, args, server) => server.pubsub.subscribe(s, patternKind, args.slice(1)) },
  {
    name: 'ssubscribe',
    node: (s, args, server) => {
      // Unlike SUBSCRIBE, Redis 7.0 makes no exception for MULTI: inside EXEC it is refused.
      if (server.inExec) return err.ssubscribeDenyBlocking;
      return server.pubsub.subscribe(s, shardKind, args.slice(1));
    },
  },
  { name: 'unsubscribe', node: (s, args, server) => server.pubsub.unsubscribe(s, channelKind, args.slice(1)) },
  { name: 'punsubscribe', node: (s, args, server) => server.pubsub.unsubscribe(s, patternKind, args.slice(1)) },
  { name: 'sunsubscribe', node: (s, args, server) => server.pubsub.unsubscribe(s, shardKind, args.slice(1)) },
  { name: 'publish', node: (_s, args, server) => server.pubsub.publish(args[1] as string, args[2] as string) },
  { name: 'spublish', node: (_s, args, server) => server.pubsub.spublish(args[1] as string, args[2] as string) },
  { name: 'pubsub|channels', node: channelsOf(false) },
  { name: 'pubsub|shardchannels', node: channelsOf(true) },
  { name: 'pubsub|numsub', node: numsubOf(false) },
  { name: 'pubsub|shardnumsub', node: numsubOf(true) },
  { name: 'pubsub|numpat', node: (_s, _args, server) => server.pubsub.patternCount },
  { name: 'pubsub|help', node: () => HELP },
];
