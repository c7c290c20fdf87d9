// Scripted failures for tests: per-route answers that replace (or follow) the real
// handler — a status with a body and headers, a delay, a hang, a reset socket, or a write
// that is stored and then fails. Rules match in order and wear out after `times` uses.

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** Matched against the path after the version prefix, e.g. `/conversations/1000/messages`. */
  path: string | RegExp;
  /** How many matching requests the rule applies to; default 1. */
  times?: number;
  /** Answer with this status instead of the handler's. */
  status?: number;
  /** Raw text (sent as is: e.g. malformed JSON) or an object (sent as JSON). */
  body?: string | object;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the client's timeout has to fire). */
  hang?: boolean;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** Run the real handler first (the write is stored), then fail as the rule says. */
  afterHandling?: boolean;
}

export interface Faults {
  add(...rules: FaultRule[]): void;
  clear(): void;
  /** Rules not yet used up. */
  readonly pending: number;
}

export class FaultScript implements Faults {
  private rules: { rule: FaultRule; left: number }[] = [];

  add(...rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.length;
  }

  /** The rule for this request, if any, consuming one use of it. */
  take(method: string, route: string): FaultRule | undefined {
    const index = this.rules.findIndex(
      ({ rule }) =>
        (rule.method === undefined || rule.method.toUpperCase() === method) &&
        (typeof rule.path === 'string' ? rule.path === route : rule.path.test(route)),
    );
    if (index < 0) return undefined;
    const entry = this.rules[index]!;
    entry.left--;
    if (entry.left <= 0) this.rules.splice(index, 1);
    return entry.rule;
  }
}
