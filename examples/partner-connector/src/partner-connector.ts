// The reference partner connector: what an ERP bridge to the marketplace does, written the way
// the marketplace would like every partner to write it.
//
// - Orders: poll `orders/unconfirmed` (or react to webhooks), accept what the warehouse can ship
//   (confirm + move to `shipping` in one call), cancel what it cannot, acknowledge what the
//   marketplace changed (a customer cancel), then report `shipped` with tracking and `delivered`.
// - Availability: one batch call per ≤ 1000 items, never one call per item.
// - Prices: a change over the marketplace's threshold comes back as 409 with a force token; the
//   ERP's price is the truth, so the same change is resubmitted with that token.
// - Inventory: a bulk sync job, polled until it is done (or finished early by `job.completed`).
// Every call goes through MarketplaceClient: credentials, 429 back-off, typed errors.
import { MarketplaceApiError } from './api-error.ts';
import type {
  AvailabilityItemUpdate,
  AvailabilityResult,
  InventorySyncItem,
  Job,
  MarketplaceClient,
  Order,
  PriceResult,
} from './marketplace-client.ts';
import type { components } from 'marketplace-sandbox/client';
import type { MarketplaceEvent } from './webhook-receiver.ts';

type Currency = components['schemas']['Currency'];

export const AVAILABILITY_BATCH_LIMIT = 1000;
export const INVENTORY_SYNC_LIMIT = 10_000;

/** The ERP side: decides whether an order can be fulfilled. */
export interface Warehouse {
  canFulfil(order: Order): { ok: true } | { ok: false; reason: string };
}

export interface OrderOutcome {
  order_id: string;
  action: 'accepted' | 'cancelled' | 'acknowledged' | 'waiting';
  status: Order['status'];
  detail?: string;
}

export interface Tracking {
  carrier: string;
  tracking_number: string;
  tracking_url: string;
}

export interface ConnectorOptions {
  warehouse: Warehouse;
  /** Resubmit price changes over the threshold with the force token (default true: the ERP price is deliberate). */
  confirmLargePriceChanges?: boolean;
  /** Pause between job polls (default 500 ms). */
  jobPollIntervalMs?: number;
  /** Give up waiting for a job after this long (default 2 minutes). */
  jobTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export class PartnerConnector {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (line: string) => void;
  private readonly finishedJobs = new Map<string, Job>();

  constructor(
    private readonly client: MarketplaceClient,
    private readonly options: ConnectorOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.log = options.log ?? (() => {});
  }

  /**
   * One polling round: handles every unconfirmed order. Handled orders leave the unconfirmed
   * list, so the first page is read again until it is empty or holds only orders still waiting
   * for payment (bounded by `maxRounds`).
   */
  async processUnconfirmedOrders(maxRounds = 20): Promise<OrderOutcome[]> {
    const outcomes: OrderOutcome[] = [];
    const waiting = new Set<string>();
    for (let round = 0; round < maxRounds; round++) {
      const page = await this.client.listUnconfirmedOrders({ page: 1, limit: 50 });
      const fresh = page.data.filter((order) => !waiting.has(order.id));
      if (fresh.length === 0) break;
      let handled = 0;
      for (const order of fresh) {
        const outcome = await this.handleOrder(order);
        if (outcome.action === 'waiting') waiting.add(order.id);
        else handled++;
        outcomes.push(outcome);
      }
      // Only orders still waiting for payment: the page would read the same again.
      if (handled === 0) break;
    }
    return outcomes;
  }

  /** Decides what to do with one unconfirmed order, as it is now. */
  async handleOrder(order: Order): Promise<OrderOutcome> {
    switch (order.status) {
      case 'blocked':
        // Not paid yet: the marketplace opens it (or cancels it); nothing to confirm before that.
        return { order_id: order.id, action: 'waiting', status: order.status, detail: 'waiting for payment' };
      case 'open': {
        const verdict = this.options.warehouse.canFulfil(order);
        if (!verdict.ok) {
          const cancelled = await this.cancelOrder(order.id, verdict.reason);
          return { order_id: order.id, action: 'cancelled', status: cancelled.status, detail: verdict.reason };
        }
        const accepted = await this.client.updateOrderStatus(order.id, { status: 'shipping', confirmed: true });
        this.log(`order ${order.id}: accepted, now ${accepted.status}`);
        return { order_id: order.id, action: 'accepted', status: accepted.status };
      }
      default: {
        // The marketplace changed an order we already knew (e.g. the customer cancelled it): acknowledge.
        const acknowledged = await this.client.updateOrderStatus(order.id, { confirmed: true });
        return { order_id: order.id, action: 'acknowledged', status: acknowledged.status };
      }
    }
  }

  /** Reports the parcel: `shipped` needs carrier, tracking number and tracking URL in the same call. */
  shipOrder(orderId: string, tracking: Tracking): Promise<Order> {
    return this.client.updateOrderStatus(orderId, { status: 'shipped', ...tracking });
  }

  markDelivered(orderId: string, deliveredAt: Date): Promise<Order> {
    return this.client.updateOrderStatus(orderId, { status: 'delivered', delivered_at: deliveredAt.toISOString() });
  }

  /** Cancels an order the warehouse cannot ship, and acknowledges the cancellation. */
  async cancelOrder(orderId: string, reason: string): Promise<Order> {
    const cancelled = await this.client.cancelOrder(orderId, reason);
    this.log(`order ${orderId}: cancelled (${reason})`);
    return cancelled.confirmed ? cancelled : this.client.updateOrderStatus(orderId, { confirmed: true });
  }

  /** Any number of items, sent in batches of at most 1000; the per-item results are merged in order. */
  async pushAvailability(items: AvailabilityItemUpdate[]): Promise<AvailabilityResult> {
    const merged: AvailabilityResult = { results: [], summary: { applied: 0, unchanged: 0, errors: 0 } };
    for (let start = 0; start < items.length; start += AVAILABILITY_BATCH_LIMIT) {
      const batch = await this.client.updateAvailability(items.slice(start, start + AVAILABILITY_BATCH_LIMIT));
      merged.results.push(...batch.results);
      merged.summary.applied += batch.summary.applied;
      merged.summary.unchanged += batch.summary.unchanged;
      merged.summary.errors += batch.summary.errors;
    }
    return merged;
  }

  /**
   * Sets a product's (or a variant's) price. Over the marketplace's threshold the answer is 409
   * `price_change_requires_confirmation` with a force token bound to this exact change; it is
   * resubmitted once with that token unless `confirmLargePriceChanges` is false.
   */
  async setPrice(target: { productId: string; variantId?: string }, price: number, currency: Currency): Promise<PriceResult & { confirmed_with_force_token: boolean }> {
    const send = (forceToken?: string) => {
      const change = forceToken ? { price, currency, force_token: forceToken } : { price, currency };
      return target.variantId
        ? this.client.updateVariantPrice(target.productId, target.variantId, change)
        : this.client.updateProductPrice(target.productId, change);
    };
    try {
      return { ...(await send()), confirmed_with_force_token: false };
    } catch (error) {
      const token = forceTokenOf(error);
      if (token === null || this.options.confirmLargePriceChanges === false) throw error;
      this.log(`price of ${target.variantId ?? target.productId}: ${price} ${currency} needs confirmation, resubmitting with the force token`);
      return { ...(await send(token)), confirmed_with_force_token: true };
    }
  }

  /** Starts a bulk inventory sync and waits for its job to finish; per-line errors are in the job. */
  async syncInventory(lines: InventorySyncItem[]): Promise<Job> {
    if (lines.length > INVENTORY_SYNC_LIMIT) throw new RangeError(`an inventory sync takes at most ${INVENTORY_SYNC_LIMIT} lines; split ${lines.length}`);
    const accepted = await this.client.syncInventory(lines);
    return this.waitForJob(accepted.job_id);
  }

  async waitForJob(jobId: string): Promise<Job> {
    const interval = this.options.jobPollIntervalMs ?? 500;
    const deadline = Date.now() + (this.options.jobTimeoutMs ?? 120_000);
    for (;;) {
      const early = this.finishedJobs.get(jobId);
      const job = early ?? (await this.client.getJob(jobId));
      // Finished: every line applied, some failed (see job.errors), or none applied.
      if (job.state === 'completed' || job.state === 'completed_with_errors' || job.state === 'failed') {
        this.finishedJobs.delete(jobId);
        return job;
      }
      if (Date.now() >= deadline) throw new Error(`job ${jobId} is still ${job.state} after ${this.options.jobTimeoutMs ?? 120_000} ms`);
      await this.sleep(interval);
    }
  }

  /** Reacts to one verified webhook event (see WebhookReceiver). */
  async handleEvent(event: MarketplaceEvent): Promise<OrderOutcome | null> {
    switch (event.event) {
      case 'order.created':
      case 'order.status_changed':
      case 'order.cancelled':
      case 'order.updated': {
        // The event is a notification, not the truth: read the order as it is now.
        const order = await this.client.getOrder(event.data.id);
        return order.confirmed ? null : this.handleOrder(order);
      }
      case 'job.completed':
        this.finishedJobs.set(event.data.id, event.data);
        return null;
      case 'price.updated':
        this.log(`price of ${event.data.item_id} is now ${event.data.price} ${event.data.currency} (was ${event.data.previous_price})`);
        return null;
      default:
        return null; // confirmed, inventory.* and types added later: nothing to do here
    }
  }
}

function forceTokenOf(error: unknown): string | null {
  if (!(error instanceof MarketplaceApiError) || error.status !== 409 || error.code !== 'price_change_requires_confirmation') return null;
  const token = error.problem.force_token;
  return typeof token === 'string' && token.length > 0 ? token : null;
}
