// The domain's state changes, as events. Handlers emit; subscribers (webhook delivery, tests,
// the journal) listen. Emitting is synchronous and cheap: subscribers queue their own work.
import { randomBytes } from 'node:crypto';

export interface SandboxEvent<T = unknown> {
  id: string; // evt_…
  type: string; // order.created, product.updated, …
  created_at: string;
  tenant_id: string;
  data: T;
}

export type EventListener = (event: SandboxEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<T>(tenantId: string, type: string, data: T, at: Date = new Date()): SandboxEvent<T> {
    const event: SandboxEvent<T> = {
      id: `evt_${randomBytes(8).toString('hex')}`,
      type,
      created_at: at.toISOString(),
      tenant_id: tenantId,
      data,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not undo a state change that already happened.
        console.error(`marketplace-sandbox: event listener failed on ${type}: ${(error as Error).message}`);
      }
    }
    return event;
  }
}
