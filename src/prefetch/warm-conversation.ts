// What one inbox row needs, read through the loaders so the cache owner (DixaCache) stores
// it: the conversation, its messages (and their authors), its tags and its customer; and
// the agents and queues directories that resolve assignees and queues. What is still
// fresh is not read again; a record about to expire is renewed.
import { cacheRefs, type CacheRef, type DixaCache } from '../datasources/dixa/dixa-cache.js';
import type { RequestDixa } from '../datasources/dixa/index.js';
import type { DixaAgent, DixaConversation, DixaConversationMessage } from '../datasources/dixa/types.js';
import { messageDirection } from '../mapping/message-body.js';

export interface WarmReads {
  /** Records found missing or about to expire, and so read from Dixa (one call each, before retries). */
  reads: number;
}

export class Warmer {
  constructor(
    private readonly cache: DixaCache,
    /** A record expiring within this is renewed now, before an inbox read would miss it. */
    private readonly marginMs: number,
    private readonly counter: WarmReads,
  ) {}

  /** The cached value when it stays fresh, else the loader's read (stored by the cache owner). */
  read<T>(dixa: RequestDixa, ref: CacheRef, load: () => Promise<T>): T | Promise<T> | undefined {
    if (this.cache.isFresh(dixa.fingerprint, ref, this.marginMs)) return this.cache.peek<T>(dixa.fingerprint, ref)?.value;
    this.cache.renewing(dixa.fingerprint, ref);
    this.counter.reads++;
    return load();
  }

  isFresh(dixa: RequestDixa, ref: CacheRef): boolean {
    return this.cache.isFresh(dixa.fingerprint, ref, this.marginMs);
  }

  async directories(dixa: RequestDixa): Promise<void> {
    await Promise.all([
      this.read(dixa, cacheRefs.directory('agents'), () => dixa.loaders.agents.load('all')),
      this.read(dixa, cacheRefs.directory('queues'), () => dixa.loaders.queues.load('all')),
    ]);
  }

  /** Warms one conversation; false when Dixa no longer has it. */
  async conversation(dixa: RequestDixa, id: number): Promise<boolean> {
    const { loaders } = dixa;
    const [conversation, messages] = await Promise.all([
      this.read<DixaConversation | null>(dixa, cacheRefs.conversation(id), () => loaders.conversation.load(id)),
      this.read<DixaConversationMessage[]>(dixa, cacheRefs.part('messages', id), () => loaders.messages.load(id)),
      this.read(dixa, cacheRefs.part('conversationTags', id), () => loaders.conversationTags.load(id)),
    ]);
    if (conversation === null) return false;
    const requester = conversation?.requesterId?.toLowerCase();
    if (requester) await this.endUser(dixa, requester);
    // Message authors, looked up as the Message.author resolver does: the customer for
    // inbound messages, an agent otherwise (the requester too, on a message without a
    // direction), the other lookup when the first finds nobody.
    const authors = new Map<string, { id: string; inbound: boolean }>();
    for (const message of messages ?? []) {
      const id = message.authorId?.toLowerCase();
      const inbound = messageDirection(message.attributes) === 'INBOUND';
      if (id) authors.set(`${inbound}:${id}`, { id, inbound });
    }
    await Promise.all([...authors.values()].map((author) => this.author(dixa, author.id, author.inbound)));
    return true;
  }

  private endUser(dixa: RequestDixa, id: string) {
    return this.read(dixa, cacheRefs.endUser(id), () => dixa.loaders.endUser.load(id));
  }

  private agent(dixa: RequestDixa, id: string): DixaAgent | null | Promise<DixaAgent | null> | undefined {
    const listed = this.cache.peek<DixaAgent[]>(dixa.fingerprint, cacheRefs.directory('agents'))?.value;
    const found = listed?.find((agent) => agent.id.toLowerCase() === id);
    if (found) return found;
    return this.read(dixa, cacheRefs.agent(id), () => dixa.loaders.agent.load(id));
  }

  private async author(dixa: RequestDixa, id: string, inbound: boolean): Promise<void> {
    const first = inbound ? () => this.endUser(dixa, id) : () => this.agent(dixa, id);
    const second = inbound ? () => this.agent(dixa, id) : () => this.endUser(dixa, id);
    if (!(await first())) await second();
  }
}
