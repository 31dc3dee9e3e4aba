/**
 * CONFIG parameters: every Redis 7 parameter is accepted, stored and reported; those that
 * mean something in Catena are applied (listeners registered with `onChange`), the rest are
 * inert and listed as such in docs/config.md.
 */

export interface ParamDef {
  name: string;
  /** Default value as CONFIG GET reports it. */
  default: string;
  /** Validates and canonicalises a CONFIG SET value; returns the stored text or an error reason. */
  parse?: (value: string) => { ok: string } | { error: string };
  /** True when Catena acts on the parameter. */
  applied: boolean;
  /** Other names (Redis aliases such as hash-max-ziplist-entries). */
  aliases?: string[];
  /** Cannot be changed at run time (CONFIG SET answers an error). */
  immutable?: boolean;
}

export class ConfigRegistry {
  private readonly defs = new Map<string, ParamDef>();
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, Array<(v: string) => void>>();

  constructor(defs: ParamDef[]) {
    for (const d of defs) {
      this.defs.set(d.name, d);
      for (const a of d.aliases ?? []) this.defs.set(a, d);
      this.values.set(d.name, d.default);
    }
  }

  def(name: string): ParamDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  get(name: string): string {
    const d = this.def(name);
    if (d === undefined) throw new Error(`unknown config parameter ${name}`);
    return this.values.get(d.name) as string;
  }

  getNumber(name: string): number {
    return Number(this.get(name));
  }

  /** Store a value without validation (start-up options already validated). */
  setRaw(name: string, value: string): void {
    const d = this.def(name);
    if (d === undefined) throw new Error(`unknown config parameter ${name}`);
    this.values.set(d.name, value);
    for (const l of this.listeners.get(d.name) ?? []) l(value);
  }

  onChange(name: string, fn: (v: string) => void): void {
    const d = this.def(name);
    if (d === undefined) throw new Error(`unknown config parameter ${name}`);
    const list = this.listeners.get(d.name) ?? [];
    list.push(fn);
    this.listeners.set(d.name, list);
  }

  /** All canonical parameters in definition order. */
  all(): ParamDef[] {
    return [...new Set(this.defs.values())];
  }
}
