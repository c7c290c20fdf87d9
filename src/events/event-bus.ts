// In-process fan-out of newly stored events to live subscriptions. It carries only
// "something was stored" notices: subscribers read the events themselves from the log,
// so the log stays the single source of order, and a missed or reordered notice can
// delay a subscriber but never make it skip or repeat an event.
import type { StoredEvent } from './event-log.js';

export type EventListener = (event: StoredEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: StoredEvent): void {
    for (const listener of this.listeners) {
      // One faulty subscriber must not stop the others, nor the receiver's 2xx.
      try {
        listener(event);
      } catch {
        // Listeners only set flags and resolve promises; nothing here is worth failing for.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
