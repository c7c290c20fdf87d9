// Messages the gateway is sending right now, by conversation and externalId. Dixa may
// deliver a message's MESSAGE_ADDED webhook before it answers the POST that created it;
// the webhook handler sees the externalId here and leaves the cached list alone, because
// the write path is about to write the message through into it.

export class PendingMessages {
  private readonly pending = new Map<string, number>();

  private static key(scope: string, conversationId: number, externalId: string): string {
    return `${scope}:${conversationId}:${externalId}`;
  }

  /** Marks the send; the returned function unmarks it (call it however the send ends). */
  begin(scope: string, conversationId: number, externalId: string): () => void {
    const key = PendingMessages.key(scope, conversationId, externalId);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    return () => {
      const left = (this.pending.get(key) ?? 1) - 1;
      if (left <= 0) this.pending.delete(key);
      else this.pending.set(key, left);
    };
  }

  has(scope: string, conversationId: number, externalId: string | null | undefined): boolean {
    return externalId ? this.pending.has(PendingMessages.key(scope, conversationId, externalId)) : false;
  }
}
