// A graphql-ws client for Subscription.conversationEvents on one gateway: collects what it
// is sent, and waits (bounded) for a number of events.
import { createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';

export interface EventSubscriber {
  events: any[];
  errors: unknown[];
  /** Resolves with the events once `count` arrived; rejects after `timeoutMs` or on an error. */
  waitFor(count: number, timeoutMs?: number): Promise<any[]>;
  close(): Promise<void>;
}

export function subscribeEvents(baseUrl: string, variables: Record<string, unknown> = {}, selection = 'id type cursor conversationId'): EventSubscriber {
  const client = createClient({ url: `${baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  const events: any[] = [];
  const errors: unknown[] = [];
  let notify = () => {};
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  client.subscribe(
    { query: `subscription($conversationId: ID, $after: String) { conversationEvents(conversationId: $conversationId, after: $after) { ${selection} } }`, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        if (value.data) events.push((value.data as any).conversationEvents);
        notify();
      },
      error: (error) => {
        errors.push(error);
        notify();
      },
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    async waitFor(count, timeoutMs = 5000) {
      await connected;
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && errors.length === 0) {
        if (Date.now() > deadline) throw new Error(`timed out with ${events.length}/${count} events`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 20);
        });
      }
      expect(errors, 'subscription errors').toEqual([]);
      return events;
    },
    async close() {
      await client.dispose();
    },
  };
}
