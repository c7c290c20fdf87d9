// A bound on request bodies being read at once for a route whose callers are not yet
// verified (webhooks: the signature covers the body, so the body must be read first).
// Past the bound a request is refused at once instead of holding another buffer.
export class BodyGate {
  private reading = 0;
  /** Bodies let in since start: what tests and metrics count. */
  admitted = 0;
  refused = 0;

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.reading;
  }

  /** True when the caller may read a body; it must call `leave` once done, however it ends. */
  tryEnter(): boolean {
    if (this.reading >= this.limit) {
      this.refused++;
      return false;
    }
    this.reading++;
    this.admitted++;
    return true;
  }

  leave(): void {
    this.reading = Math.max(0, this.reading - 1);
  }
}
