// Receiving marketplace webhooks safely. Every delivery is signed with Standard Webhooks headers
// (`webhook-id`, `webhook-timestamp`, `webhook-signature`) using the subscription's `whsec_…`
// secret. Verify over the exact raw bytes (never over re-serialised JSON), reject stale
// timestamps (replays), and de-duplicate by event id: retries deliver the same event again.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { components } from 'marketplace-sandbox/client';

type Schemas = components['schemas'];

/** The marketplace's event envelope: {event, event_id, timestamp, data}. */
interface Envelope<T extends string, D> {
  event: T;
  event_id: string; // evt_…, the same on every retry of the event
  timestamp: string; // when the change happened (sandbox time)
  tenant_id: string;
  data: D;
}

/** The events this connector consumes; `data` is the resource as GET returns it at the time of the change. */
export type MarketplaceEvent =
  | Envelope<'order.created' | 'order.confirmed' | 'order.cancelled' | 'order.updated', Schemas['Order']>
  | Envelope<'order.status_changed', Schemas['Order'] & { previous_status: Schemas['OrderStatus'] }>
  | Envelope<'price.updated', Schemas['PriceResult']>
  | Envelope<'job.completed', Schemas['Job']>
  | Envelope<'inventory.updated' | 'inventory.low_stock' | 'inventory.out_of_stock', Schemas['InventoryItem']>;

export type MarketplaceEventType = MarketplaceEvent['event'];

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export interface ReceivedWebhook {
  event: MarketplaceEvent;
  /** False when this event id was seen before (a retry or redelivery): do not process it twice. */
  firstDelivery: boolean;
}

export class WebhookReceiver {
  private readonly webhook: Webhook;
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];

  /** `secret` is the `whsec_…` value shown once when the subscription was created. */
  constructor(
    secret: string,
    private readonly rememberEvents = 10_000,
  ) {
    this.webhook = new Webhook(secret);
  }

  /**
   * Checks the signature and timestamp (±5 minutes) of one delivery and returns its event.
   * Throws WebhookSignatureError when the delivery is not provably from the marketplace: answer
   * it with 400 or 401 and do nothing else.
   */
  receive(rawBody: string, headers: Headers | Record<string, string | string[] | undefined>): ReceivedWebhook {
    const get = (name: string): string => {
      const value = headers instanceof Headers ? headers.get(name) : headers[name] ?? headers[name.toLowerCase()];
      return (Array.isArray(value) ? value[0] : value) ?? '';
    };
    let event: MarketplaceEvent;
    try {
      event = this.webhook.verify(rawBody, {
        'webhook-id': get('webhook-id'),
        'webhook-timestamp': get('webhook-timestamp'),
        'webhook-signature': get('webhook-signature'),
      }) as MarketplaceEvent;
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new WebhookSignatureError(`webhook rejected: ${error.message}`);
      throw error;
    }
    const firstDelivery = !this.seen.has(event.event_id);
    if (firstDelivery) this.remember(event.event_id);
    return { event, firstDelivery };
  }

  private remember(id: string): void {
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > this.rememberEvents) this.seen.delete(this.seenOrder.shift()!);
  }
}
