// The webhook delivery queue. Listens to the event bus; for every active subscription whose filter
// matches, it records a delivery (the wire shape partners read in GET /webhooks/{id}/deliveries)
// and an outbox entry (body, queue position, retry state), both in tenant state so that the store
// persists them and a restart resumes what was pending.
//
// Each subscription has its own lane: one attempt in flight at a time, deliveries in the order
// their events happened, and a delivery waiting for a retry holds back the ones behind it (that is
// what keeps order.status_changed events in order). Lanes run on the event loop, never on a
// request's path: a slow or dead receiver costs the API nothing.
import type { DeliveryOutboxEntry, TenantState, WebhookDelivery, WebhookSubscription } from '../domain/types.ts';
import { buildEvent, eventBody, eventData, type SandboxEvent } from '../events/builders.ts';
import type { EventBus } from '../events/bus.ts';
import { newId } from '../store/ids.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import { own } from '../state/copy-on-write.ts';
import { matchesEventFilter } from './event-filter.ts';
import type { LookupFunction } from 'node:net';
import { postWebhook, type AttemptOutcome, type DeliveryTargets } from './http-sender.ts';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry-policy.ts';
import { signDelivery } from './signing.ts';

export interface WebhookDeliveryOptions {
  /** Seconds to wait after each failed attempt (default 1, 2, 4, 8, 16). */
  retrySchedule?: number[];
  /** Multiplies every wait, Retry-After included (tests use e.g. 0.01). */
  retryScale?: number;
  /** How long one attempt may take before it counts as a timeout (default 10 s). */
  attemptTimeoutMs?: number;
  /** Stands in for the system's DNS lookup when delivering (tests map names to addresses with it). */
  lookup?: LookupFunction;
}

/** Delivery ids of one subscription, oldest first; a head index instead of shift() keeps long queues cheap. */
class Lane {
  private ids: string[] = [];
  private start = 0;
  running = false;
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
  ) {}

  push(id: string): void {
    this.ids.push(id);
  }

  get head(): string | undefined {
    return this.ids[this.start];
  }

  dropHead(): void {
    this.start++;
    if (this.start > 1024 && this.start * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.start);
      this.start = 0;
    }
  }

  get empty(): boolean {
    return this.start >= this.ids.length;
  }

  remaining(): string[] {
    return this.ids.slice(this.start);
  }
}

interface Head {
  state: TenantState;
  delivery: WebhookDelivery;
  entry: DeliveryOutboxEntry;
  subscription: WebhookSubscription;
}

const outboxOf = (state: TenantState): Record<string, DeliveryOutboxEntry> => (state.webhook_outbox ??= {});

export class WebhookDispatcher {
  readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly lanes = new Map<string, Lane>();
  /** Where deliveries may connect (src/webhooks/target.ts). */
  private readonly targets: DeliveryTargets;
  private seq = 0;
  private closed = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: SandboxStore,
    private readonly events: EventBus,
    options: WebhookDeliveryOptions = {},
    allowList: readonly string[] = [],
  ) {
    this.targets = { allowList, lookup: options.lookup };
    this.policy = {
      schedule_seconds: options.retrySchedule ?? [...DEFAULT_RETRY_POLICY.schedule_seconds],
      scale: options.retryScale ?? DEFAULT_RETRY_POLICY.scale,
    };
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  }

  /** Starts listening and resumes every delivery a previous run left pending. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    for (const tenant of this.store.listTenants()) this.resume(tenant);
  }

  /** Stops taking events and cancels waiting retries; pending deliveries stay pending in the state. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  /** A webhook.ping event for one subscription, whatever its filter and even when paused. */
  ping(tenant: Tenant, subscription: WebhookSubscription, at: Date): { event: SandboxEvent; delivery: WebhookDelivery } {
    const event = buildEvent('webhook.ping', tenant.id, eventData.ping(subscription.id), at);
    return { event, delivery: this.enqueue(tenant, subscription, event, eventBody(event)) };
  }

  /** Queues a finished delivery again: same event id, same body, a fresh retry schedule, at the end of its lane. */
  redeliver(tenant: Tenant, delivery: WebhookDelivery): WebhookDelivery {
    if (delivery.status === 'pending') return delivery; // already on its way
    const entry = tenant.state.webhook_outbox && own(tenant.state.webhook_outbox, delivery.id);
    if (!entry) throw new Error(`delivery ${delivery.id} has no stored payload`);
    const now = Date.now();
    Object.assign(entry, { seq: ++this.seq, round_attempts: 0, due_wall_ms: now });
    delivery.status = 'pending';
    delivery.next_attempt_at = new Date(now).toISOString();
    this.lane(tenant.id, delivery.subscription_id).push(delivery.id);
    this.kick(tenant.id, delivery.subscription_id);
    this.store.changed();
    return delivery;
  }

  /** Forgets a deleted subscription's deliveries (its lane notices and empties itself). */
  forgetSubscription(tenant: Tenant, subscriptionId: string): void {
    const outbox = outboxOf(tenant.state);
    for (const d of Object.values(tenant.state.deliveries)) {
      if (d.subscription_id !== subscriptionId) continue;
      delete tenant.state.deliveries[d.id];
      delete outbox[d.id];
    }
  }

  private onEvent(event: SandboxEvent): void {
    if (this.closed) return;
    const tenant = this.store.tenant(event.tenant_id);
    if (!tenant) return;
    let body: string | null = null;
    for (const subscription of Object.values(tenant.state.webhooks)) {
      if (!subscription.active || !matchesEventFilter(subscription.events, event.event)) continue;
      // Serialised now: the data objects are live and may change before the attempt goes out.
      body ??= eventBody(event);
      this.enqueue(tenant, subscription, event, body);
    }
  }

  private enqueue(tenant: Tenant, subscription: WebhookSubscription, event: SandboxEvent, body: string): WebhookDelivery {
    const now = Date.now();
    const delivery: WebhookDelivery = {
      id: newId('dlv'),
      subscription_id: subscription.id,
      event_id: event.event_id,
      event_type: event.event,
      status: 'pending',
      attempts: [],
      next_attempt_at: new Date(now).toISOString(),
      created_at: event.timestamp,
    };
    tenant.state.deliveries[delivery.id] = delivery;
    outboxOf(tenant.state)[delivery.id] = { seq: ++this.seq, body, round_attempts: 0, due_wall_ms: now };
    this.lane(tenant.id, subscription.id).push(delivery.id);
    this.kick(tenant.id, subscription.id);
    this.store.changed();
    return delivery;
  }

  private resume(tenant: Tenant): void {
    const outbox = outboxOf(tenant.state);
    for (const entry of Object.values(outbox)) this.seq = Math.max(this.seq, entry.seq);
    const pending = Object.values(tenant.state.deliveries)
      .filter((d) => d.status === 'pending')
      .sort((a, b) => (outbox[a.id]?.seq ?? 0) - (outbox[b.id]?.seq ?? 0));
    for (const d of pending) {
      if (!outbox[d.id]) {
        // Nothing to send: a state file from before deliveries kept their payload.
        Object.assign(own(tenant.state.deliveries, d.id)!, { status: 'failed', next_attempt_at: null });
        continue;
      }
      this.lane(tenant.id, d.subscription_id).push(d.id);
    }
    for (const lane of this.lanes.values()) if (lane.tenantId === tenant.id) this.kick(lane.tenantId, lane.subscriptionId);
  }

  private lane(tenantId: string, subscriptionId: string): Lane {
    const key = `${tenantId}/${subscriptionId}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new Lane(tenantId, subscriptionId);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Runs the lane soon, after the current request has been answered. */
  private kick(tenantId: string, subscriptionId: string): void {
    const lane = this.lane(tenantId, subscriptionId);
    if (lane.running) return; // the running loop will get to it
    setImmediate(() => void this.drain(lane));
  }

  private async drain(lane: Lane): Promise<void> {
    if (lane.running || this.closed) return;
    lane.running = true;
    try {
      while (!this.closed) {
        const tenant = this.store.tenant(lane.tenantId);
        const head = tenant ? this.head(tenant, lane) : null;
        if (!tenant || !head) {
          if (!lane.timer) this.lanes.delete(`${lane.tenantId}/${lane.subscriptionId}`);
          return;
        }
        const wait = (head.entry.due_wall_ms ?? 0) - Date.now();
        if (wait > 0) {
          this.wake(lane, wait);
          return;
        }
        await this.attempt(tenant, lane, head);
      }
    } catch (error) {
      console.error(`marketplace-sandbox: webhook lane ${lane.subscriptionId} stopped: ${(error as Error).message}`);
    } finally {
      lane.running = false;
    }
  }

  private wake(lane: Lane, waitMs: number): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      lane.timer = null;
      void this.drain(lane);
    }, waitMs);
    lane.timer.unref();
  }

  /** The first delivery of the lane that still exists and is pending (reset, delete and redeliver leave stale ids). */
  private head(tenant: Tenant, lane: Lane): Head | null {
    const state = tenant.state;
    for (let id = lane.head; id !== undefined; id = lane.head) {
      // Owned copies: a restored snapshot shares its (frozen) entities until they change.
      const delivery = own(state.deliveries, id);
      const entry = state.webhook_outbox && own(state.webhook_outbox, id);
      const subscription = delivery ? own(state.webhooks, delivery.subscription_id) : undefined;
      if (delivery && entry && subscription && delivery.status === 'pending' && delivery.subscription_id === lane.subscriptionId) {
        return { state, delivery, entry, subscription };
      }
      lane.dropHead();
    }
    return null;
  }

  private async attempt(tenant: Tenant, lane: Lane, { state, delivery, entry, subscription }: Head): Promise<void> {
    const at = new Date();
    const headers = signDelivery(subscription.secret, delivery.event_id, delivery.event_type, Math.floor(at.getTime() / 1000), entry.body);
    const outcome = await postWebhook(subscription.url, { ...headers }, entry.body, this.attemptTimeoutMs, this.targets);
    // While the attempt was out, the tenant may have been reset or the subscription deleted.
    if (tenant.state !== state || state.deliveries[delivery.id] !== delivery || delivery.status !== 'pending') return;
    this.record(state, lane, delivery, entry, subscription, at, outcome);
    this.store.changed();
  }

  private record(
    state: TenantState,
    lane: Lane,
    delivery: WebhookDelivery,
    entry: DeliveryOutboxEntry,
    subscription: WebhookSubscription,
    at: Date,
    outcome: AttemptOutcome,
  ): void {
    const code = outcome.status_code;
    const succeeded = code !== null && code >= 200 && code < 300;
    const attempt = {
      at: at.toISOString(),
      status_code: code,
      latency_ms: outcome.latency_ms,
      error: outcome.error ?? (succeeded ? null : describeStatus(code!, outcome.retry_after)),
      next_retry_in_ms: null as number | null,
    };
    delivery.attempts.push(attempt);
    entry.round_attempts++;

    if (succeeded) return this.finish(lane, delivery, entry, 'succeeded');
    if (code === 410) {
      // The receiver says the endpoint is gone for good: stop sending to it at all.
      attempt.error = '410 Gone: the subscription has been disabled; re-enable it with PATCH {"active": true}';
      subscription.active = false;
      subscription.updated_at = at.toISOString();
      this.finish(lane, delivery, entry, 'failed');
      for (const id of lane.remaining()) {
        const queued = own(state.deliveries, id);
        const queuedEntry = state.webhook_outbox && own(state.webhook_outbox, id);
        if (queued?.status === 'pending' && queuedEntry) this.finish(lane, queued, queuedEntry, 'failed');
      }
      return;
    }
    // A scenario may give the tenant its own schedule; the scale (tests) stays the server's.
    const schedule = state.webhook_policy?.retry_schedule_seconds;
    const policy = schedule ? { ...this.policy, schedule_seconds: schedule } : this.policy;
    const delay = retryDelayMs(policy, entry.round_attempts, parseRetryAfter(outcome.retry_after, Date.now()));
    if (delay === null) return this.finish(lane, delivery, entry, 'failed');
    attempt.next_retry_in_ms = delay;
    entry.due_wall_ms = Date.now() + delay;
    delivery.next_attempt_at = new Date(entry.due_wall_ms).toISOString();
  }

  private finish(lane: Lane, delivery: WebhookDelivery, entry: DeliveryOutboxEntry, status: 'succeeded' | 'failed'): void {
    delivery.status = status;
    delivery.next_attempt_at = null;
    entry.due_wall_ms = null;
    if (lane.head === delivery.id) lane.dropHead();
  }
}

function describeStatus(code: number, retryAfter: string | null): string {
  return `receiver answered ${code}${retryAfter ? ` with Retry-After: ${retryAfter}` : ''}; 2xx acknowledges a delivery`;
}
