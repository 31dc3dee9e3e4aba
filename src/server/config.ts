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
  /** Redis PROTECTED_CONFIG: settable only when enable-protected-configs allows it. */
  protected?: boolean;
  /** Redis HIDDEN_CONFIG: CONFIG GET reports it only when asked by its exact name. */
  hidden?: boolean;
  /** Redis SENSITIVE_CONFIG: its CONFIG SET value is redacted in SLOWLOG and MONITOR. */
  sensitive?: boolean;
  /** Redis's type of the parameter (bool, int, memory, enum, string, special), for docs/config.md. */
  type?: string;
  /** Why the parameter is applied or inert, for docs/config.md. */
  note?: string;
}

export class ConfigRegistry {
  private readonly defs = new Map<string, ParamDef>();
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, Array<(v: string, given: string) => void>>();

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
    // Store the canonical form when the value parses ("1gb" → "1073741824"), as Redis does
    // for start-up options; a value that does not parse is kept as given.
    const given = value;
    const parsed = d.parse?.(value);
    if (parsed !== undefined && 'ok' in parsed) value = parsed.ok;
    this.values.set(d.name, value);
    for (const l of this.listeners.get(d.name) ?? []) l(value, given);
  }

  /**
   * Call `fn` after every change with the stored (canonical) value and the value as given —
   * some canonical texts lose information Redis keeps in its live setting (notify-keyspace-events
   * "KEAn" reads back as "AKE" yet still raises "new" events).
   */
  onChange(name: string, fn: (v: string, given: string) => void): void {
    const d = this.def(name);
    if (d === undefined) throw new Error(`unknown config parameter ${name}`);
    const list = this.listeners.get(d.name) ?? [];
    list.push(fn);
    this.listeners.set(d.name, list);
  }

  /** Every registered name (canonical names and aliases) with its parameter, for CONFIG GET patterns. */
  names(): IterableIterator<[string, ParamDef]> {
    return this.defs.entries();
  }

  /** All canonical parameters in definition order. */
  all(): ParamDef[] {
    return [...new Set(this.defs.values())];
  }
}
