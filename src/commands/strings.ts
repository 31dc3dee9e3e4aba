/** String commands. */
import type { CommandDef } from './spec';
import { OK } from '../resp/reply';
import { err } from '../resp/errors';
import { stringOf } from '../engine/values';

export const commands: CommandDef[] = [
  {
    name: 'get',
    data: (x, args) => {
      const v = x.getString(args[1] as string);
      if (v === false) return err.wrongType;
      return v === null ? null : stringOf(v);
    },
  },
  {
    name: 'set',
    data: (x, args) => {
      x.put(args[1] as string, args[2] as string);
      return OK;
    },
  },
];
