/** keys commands. */
import type { CommandDef } from './spec';

export const commands: CommandDef[] = [];
