import { randomUUID } from 'node:crypto';
import type { Store } from '../store/db.js';
import type { Subscription } from '../store/notifications.js';
import type { TokenInvalidation, VerificationCache } from './verification-cache.js';

export const invalidationChannel = 'orgtoken_invalidation';

type Kind = 'token' | 'org' | 'user';
interface Message {
  origin: string;
  kind: Kind;
  id: string;
}

/**
 * Evicts cached verifications here at once, then tells every other instance on the same
 * PostgreSQL database (NOTIFY), so that a revocation, rotation, edit, plan change, member
 * removal or user deactivation holds everywhere within moments, not only after the 30 s
 * backstop. After any (re)connection of the listener the whole cache is dropped: a message
 * may have been missed while it was away. On SQLite, local eviction is all there is.
 */
export class ClusterInvalidation implements TokenInvalidation {
  private readonly origin = randomUUID();
  private subscription: Subscription | null = null;

  constructor(
    private readonly cache: VerificationCache,
    private readonly notifications: Store['notifications'],
    private readonly onError: (error: unknown) => void,
  ) {}

  token(tokenId: string): void {
    this.apply('token', tokenId);
    this.broadcast('token', tokenId);
  }

  org(orgId: string): void {
    this.apply('org', orgId);
    this.broadcast('org', orgId);
  }

  user(userId: string): void {
    this.apply('user', userId);
    this.broadcast('user', userId);
  }

  /** Starts listening to the other instances (no-op without notifications). */
  start(): void {
    if (!this.notifications || this.subscription) return;
    this.subscription = this.notifications.subscribe(invalidationChannel, {
      message: (payload) => this.receive(payload),
      connected: () => this.cache.clear(),
      error: this.onError,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  private apply(kind: Kind, id: string): void {
    if (kind === 'token') this.cache.token(id);
    else if (kind === 'org') this.cache.org(id);
    else this.cache.user(id);
  }

  private broadcast(kind: Kind, id: string): void {
    if (!this.notifications) return;
    const message: Message = { origin: this.origin, kind, id };
    this.notifications.publish(invalidationChannel, JSON.stringify(message)).catch(this.onError);
  }

  private receive(payload: string): void {
    let message: Partial<Message>;
    try {
      message = JSON.parse(payload) as Partial<Message>;
    } catch {
      return;
    }
    if (message.origin === this.origin || typeof message.id !== 'string') return;
    if (message.kind === 'token' || message.kind === 'org' || message.kind === 'user') {
      this.apply(message.kind, message.id);
    }
  }
}
