// What the webhook receiver tells sync: when it last accepted a signed delivery, and
// deliveries it refused that looked signed (a secret mismatch: Dixa sent events the
// gateway could not verify, so they are missing until repaired).

export interface DeliveryObserver {
  accepted(atMs: number): void;
  rejected(atMs: number, code: string): void;
}

export class DeliveryWatch implements DeliveryObserver {
  lastAcceptedAt: number | undefined;
  /** The first and last refused delivery since the last repair of such a period. */
  rejectedWindow: { from: number; to: number } | undefined;
  /** Called when a delivery is accepted after refusals: the refused period can be repaired now. */
  onRecovered: ((window: { from: number; to: number }) => void) | undefined;

  accepted(atMs: number): void {
    this.lastAcceptedAt = atMs;
    const window = this.rejectedWindow;
    if (window) {
      this.rejectedWindow = undefined;
      this.onRecovered?.({ from: window.from, to: atMs });
    }
  }

  rejected(atMs: number, _code: string): void {
    this.rejectedWindow = { from: this.rejectedWindow?.from ?? atMs, to: atMs };
  }
}
