// A receiver down for two minutes under 1,000 orders once wrote 150,000 WARN lines, one per
// retry. Failures of the same kind are logged once when they start; the repeats within the
// window become one summary line when it closes: how many, the first and the last.

export interface RepeatSummary {
  /** Every failure of the kind in the window, the one logged at once included. */
  repeated: number;
  first: string;
  last: string;
}

type Write = (entry: Record<string, unknown>, message: string) => void;

export class RepeatedFailures {
  private readonly open = new Map<string, { count: number; first: number; last: number; entry: Record<string, unknown>; message: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly write: Write,
    private readonly windowMs = 60_000,
  ) {}

  /** `kind` says which failures are "the same" (an activity and its error, not an order id). */
  report(kind: string, entry: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const open = this.open.get(kind);
    if (open) {
      open.count++;
      open.last = now;
      open.entry = entry;
      return;
    }
    this.write(entry, message);
    const timer = setTimeout(() => this.close(kind), this.windowMs);
    timer.unref();
    this.open.set(kind, { count: 1, first: now, last: now, entry, message, timer });
  }

  /** Writes the summaries still open (at shutdown). */
  flush(): void {
    for (const kind of [...this.open.keys()]) this.close(kind);
  }

  private close(kind: string) {
    const open = this.open.get(kind);
    if (!open) return;
    clearTimeout(open.timer);
    this.open.delete(kind);
    if (open.count < 2) return; // nothing repeated: the line already written says it all
    const summary: RepeatSummary = { repeated: open.count, first: new Date(open.first).toISOString(), last: new Date(open.last).toISOString() };
    this.write({ ...open.entry, ...summary }, `${open.message} (repeated)`);
  }
}
