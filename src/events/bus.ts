// The domain's state changes, as events. Handlers emit; subscribers (webhook delivery, tests,
// the journal) listen. Emitting is synchronous and cheap: subscribers queue their own work.
// What an event looks like is decided in builders.ts.
import { buildEvent, type SandboxEvent } from './builders.ts';

export type { SandboxEvent } from './builders.ts';

export type EventListener = (event: SandboxEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<T>(tenantId: string, type: string, data: T, at: Date = new Date()): SandboxEvent<T> {
    const event = buildEvent(type, tenantId, data, at);
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
