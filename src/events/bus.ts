// The domain's state changes, as events. Handlers emit; subscribers (webhook delivery, the event
// feed, tests) listen. Emitting is synchronous and cheap: subscribers queue their own work.
// What an event looks like is decided in builders.ts; its sequence number comes from the
// numbering the bus is given (the event feed's, over tenant state: src/events/feed.ts).
import { buildEvent, type SandboxEvent } from './builders.ts';

export type { SandboxEvent } from './builders.ts';

export type EventListener = (event: SandboxEvent) => void;

/** The next sequence number of the resource an event is about (1 for its first). */
export type EventNumbering = (tenantId: string, type: string, data: unknown) => number;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private numbering: EventNumbering = () => 1;

  /** Numbers every event emitted from now on. */
  numberWith(numbering: EventNumbering): void {
    this.numbering = numbering;
  }

  /** The sequence number an event about this resource gets (for events built outside emit, e.g. a ping). */
  nextSequence(tenantId: string, type: string, data: unknown): number {
    return this.numbering(tenantId, type, data);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<T>(tenantId: string, type: string, data: T, at: Date = new Date()): SandboxEvent<T> {
    const event = buildEvent(type, tenantId, data, at, undefined, this.numbering(tenantId, type, data));
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
