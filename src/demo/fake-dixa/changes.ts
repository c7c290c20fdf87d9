// The events the fake raises on every conversation write; the demo turns them into webhooks.

export type FakeChangeKind =
  | 'ConversationCreated'
  | 'ConversationMessageAdded'
  | 'ConversationNoteAdded'
  | 'ConversationClosed'
  | 'ConversationOpen'
  | 'ConversationPending'
  | 'ConversationAssigned'
  | 'ConversationTransferred'
  | 'ConversationTagAdded'
  | 'ConversationTagRemoved'
  | 'ConversationCustomAttributeUpdated';

export interface FakeChange {
  kind: FakeChangeKind;
  /** The tenant whose world changed. */
  token: string;
  conversationId: number;
  messageId?: string;
  noteId?: string;
  tagName?: string;
}
