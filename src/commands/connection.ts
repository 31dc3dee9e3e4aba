/** Connection commands: PING, ECHO, QUIT... */
import type { CommandDef } from './spec';
import { PONG, PushReply, OK } from '../resp/reply';

export const commands: CommandDef[] = [
  {
    name: 'ping',
    node: (s, args) => {
      if (s.inSubscribeContext) return new PushReply(['pong', args.length > 1 ? (args[1] as string) : '']);
      return args.length > 1 ? (args[1] as string) : PONG;
    },
  },
  { name: 'echo', node: (_s, args) => args[1] as string },
  {
    name: 'quit',
    node: (s) => {
      s.closeAfterReply();
      return OK;
    },
  },
];
