// The webhook delivery queue. Listens to the event bus; for every active subscription whose filter
// matches, it records a delivery (the wire shape partners read in GET /webhooks/{id}/deliveries)
// and an outbox entry (body, queue position, retry state), both in tenant state so that the store
// persists them and a restart resumes what was pending.
//
// Each subscription has a lane. First attempts go out one at a time, in the order their events
// happened, so where nothing fails a receiver gets a subscription's events in order. A failed
// attempt leaves the line: its delivery waits for its retry on its own timer, on the schedule
// that applies to its subscription, and when due it is retried beside the line, up to
// MAX_RETRIES_IN_FLIGHT at once per subscription. So one failing event never delays the next
// (receivers order by the envelope's `sequence`), and a subscription holds at most
// 1 + MAX_RETRIES_IN_FLIGHT requests open, however its receiver behaves (the HTTP agent caps
// connections per origin as well). Lanes run on the event loop, never on a request's path: a slow
// or dead receiver costs the API nothing.
//
// Every delivery counts against the tenant's webhook quota when it is queued (src/domain/webhook-quota.ts);
// one over quota is logged `quota_exceeded`, not attempted, and can be redelivered later.
//
// With a shared store (several replicas on one PostgreSQL) each delivery has one sender: the
// replica that queued it (its outbox entry names it, `replica`, and that is replicated with the
// rest of the state). Only the bus of the replica that made a change hears its event, so one
// replica queues it; a replica sends only the deliveries that name it. Every ADOPT_EVERY_MS a
// replica looks for pending deliveries whose sender is no longer connected to the database (it
// died) and adopts them under the tenant's lock (caught up first, so two replicas never adopt
// the same one), then sends them as a restart would resume them.
import type { LookupFunction } from 'node:net';
import { DEFAULT_PLAN } from '../domain/rate-limit.ts';
import type { DeliveryOutboxEntry, TenantState, WebhookDelivery, WebhookSubscription } from '../domain/types.ts';
import { newWebhookQuotaCounter, takeWebhookDelivery } from '../domain/webhook-quota.ts';
import { effectiveRetrySchedule } from '../domain/webhook-retries.ts';
import { buildEvent, eventBody, eventData, type SandboxEvent } from '../events/builders.ts';
import type { EventBus } from '../events/bus.ts';
import { own } from '../state/copy-on-write.ts';
import { newId } from '../store/ids.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import { matchesEventFilter } from './event-filter.ts';
import { postWebhook, type AttemptOutcome, type DeliveryTargets } from './http-sender.ts';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry-policy.ts';
import { newWebhookSecret, signDelivery } from './signing.ts';
import { put, remove } from '../state/changes.ts';

export interface WebhookDeliveryOptions {
  /** Seconds to wait after each failed attempt (default 1, 2, 4, 8, 16). */
  retrySchedule?: number[];
  /** Multiplies every wait, Retry-After included (tests use e.g. 0.01). */
  retryScale?: number;
  /** How long one attempt may take before it counts as a timeout (default 10 s). */
  attemptTimeoutMs?: number;
  /** Stands in for the system's DNS lookup when delivering (tests map names to addresses with it). */
  lookup?: LookupFunction;
  /** Refuse deliveries over the plan's quota (default true); off, they are counted but sent (benchmarks, like lifted rate limits). */
  enforceQuotas?: boolean;
}

/** How often a replica of a shared store looks for deliveries whose sender is gone. */
export const ADOPT_EVERY_MS = 1_000;

/** Retries of one subscription that may be out at the same time, beside its line of first attempts. */
export const MAX_RETRIES_IN_FLIGHT = 4;

/** Delivery ids, oldest first; a head index instead of shift() keeps long queues cheap. */
class IdQueue {
  private ids: string[] = [];
  private start = 0;

  push(id: string): void {
    this.ids.push(id);
  }

  shift(): string | undefined {
    if (this.start >= this.ids.length) return undefined;
    const id = this.ids[this.start++];
    if (this.start > 1024 && this.start * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.start);
      this.start = 0;
    }
    return id;
  }

  get empty(): boolean {
    return this.start >= this.ids.length;
  }

  clear(): void {
    this.ids = [];
    this.start = 0;
  }
}

/** One subscription's deliveries on their way: the line of first attempts, and the retries. */
class Lane {
  /** First attempts (and redeliveries), in event order; one out at a time. */
  readonly line = new IdQueue();
  lineBusy = false;
  /** Retries whose wait is over, waiting for a free slot. */
  readonly dueRetries = new IdQueue();
  retriesInFlight = 0;
  /** The wait of each delivery waiting for its retry. */
  readonly waits = new Map<string, NodeJS.Timeout>();
  pumpQueued = false;

  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
  ) {}

  get idle(): boolean {
    return this.line.empty && this.dueRetries.empty && this.waits.size === 0 && !this.lineBusy && this.retriesInFlight === 0;
  }

  /** Forgets everything queued (the attempts out finish and find their deliveries gone or finished). */
  drop(): void {
    for (const timer of this.waits.values()) clearTimeout(timer);
    this.waits.clear();
    this.line.clear();
    this.dueRetries.clear();
  }
}

interface Live {
  state: TenantState;
  delivery: WebhookDelivery;
  entry: DeliveryOutboxEntry;
  subscription: WebhookSubscription;
}

const outboxOf = (state: TenantState): Record<string, DeliveryOutboxEntry> => (state.webhook_outbox ??= {});

export class WebhookDispatcher {
  readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly enforceQuotas: boolean;
  private readonly lanes = new Map<string, Lane>();
  /** Where deliveries may connect (src/webhooks/target.ts). */
  private readonly targets: DeliveryTargets;
  private seq = 0;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private adoptTimer: NodeJS.Timeout | null = null;
  private adopting = false;
  private adoptFailed = false;
  /** Hears of every attempt's outcome (for /metrics). */
  onAttempt: ((outcome: AttemptOutcome) => void) | null = null;

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
    this.enforceQuotas = options.enforceQuotas ?? true;
  }

  /** Starts listening and resumes every delivery a previous run left pending. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    for (const tenant of this.store.listTenants()) this.resume(tenant);
    if (this.store.replica) {
      // Shared: what was pending at start is another replica's, or nobody's any more (adopted here).
      this.adoptTimer = setInterval(() => void this.adoptOrphans(), ADOPT_EVERY_MS);
      this.adoptTimer.unref();
      void this.adoptOrphans();
    }
  }

  /** Stops taking events and cancels waiting retries; pending deliveries stay pending in the state. */
  close(): void {
    this.closed = true;
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    this.unsubscribe?.();
    for (const lane of this.lanes.values()) lane.drop();
    this.lanes.clear();
  }

  /** Deliveries pending across tenants: waiting for their first attempt, out, or waiting for a retry. */
  pendingDeliveries(): number {
    let pending = 0;
    for (const tenant of this.store.listTenants()) {
      for (const id in tenant.state.deliveries) if (tenant.state.deliveries[id]!.status === 'pending') pending++;
    }
    return pending;
  }

  /** A webhook.ping event for one subscription, whatever its filter and even when paused; never counted against the quota. */
  ping(tenant: Tenant, subscription: WebhookSubscription, at: Date): { event: SandboxEvent; delivery: WebhookDelivery } {
    const data = eventData.ping(subscription.id);
    const event = buildEvent('webhook.ping', tenant.id, data, at, undefined, this.events.nextSequence(tenant.id, 'webhook.ping', data));
    return { event, delivery: this.enqueue(tenant, subscription, event, eventBody(event), false) };
  }

  /**
   * A webhook.ping signed with a secret that is not the subscription's, sent straight to its URL
   * (not queued, not logged, not counted): a receiver that checks signatures refuses it with a 4xx.
   * The readiness report's signature probe.
   */
  probeSignature(tenant: Tenant, subscription: WebhookSubscription): Promise<AttemptOutcome> {
    const at = new Date();
    const event = buildEvent('webhook.ping', tenant.id, eventData.ping(subscription.id), at);
    const body = eventBody(event);
    const headers = signDelivery(newWebhookSecret(), event.event_id, event.event, Math.floor(at.getTime() / 1000), body);
    return postWebhook(subscription.url, { ...headers }, body, this.attemptTimeoutMs, this.targets);
  }

  /**
   * Queues a finished delivery again: same event id, same body, a fresh retry schedule, at the end
   * of its line. It counts against the quota; while that is used up it stays `quota_exceeded`.
   */
  redeliver(tenant: Tenant, delivery: WebhookDelivery): WebhookDelivery {
    if (delivery.status === 'pending') return delivery; // already on its way
    const entry = tenant.state.webhook_outbox && own(tenant.state.webhook_outbox, delivery.id);
    if (!entry) throw new Error(`delivery ${delivery.id} has no stored payload`);
    const now = Date.now();
    this.store.changed(tenant);
    if (!this.withinQuota(tenant, delivery, now)) return delivery;
    Object.assign(entry, { seq: ++this.seq, round_attempts: 0, due_wall_ms: now }, this.sender());
    delivery.status = 'pending';
    delivery.next_attempt_at = new Date(now).toISOString();
    const lane = this.lane(tenant.id, delivery.subscription_id);
    lane.line.push(delivery.id);
    this.kick(lane);
    return delivery;
  }

  /** Forgets a deleted subscription's deliveries and whatever of them was queued. */
  forgetSubscription(tenant: Tenant, subscriptionId: string): void {
    const outbox = outboxOf(tenant.state);
    for (const d of Object.values(tenant.state.deliveries)) {
      if (d.subscription_id !== subscriptionId) continue;
      remove(tenant.state.deliveries, d.id);
      remove(outbox, d.id);
    }
    const key = laneKey(tenant.id, subscriptionId);
    this.lanes.get(key)?.drop();
    this.lanes.delete(key);
  }

  private onEvent(event: SandboxEvent): void {
    if (this.closed) return;
    const tenant = this.store.tenant(event.tenant_id);
    if (!tenant) return;
    for (const subscription of Object.values(tenant.state.webhooks)) {
      if (!subscription.active || !matchesEventFilter(subscription.events, event.event)) continue;
      // Serialised now (once per event): the data objects are live and may change before the attempt goes out.
      this.enqueue(tenant, subscription, event, eventBody(event), true);
    }
  }

  private enqueue(tenant: Tenant, subscription: WebhookSubscription, event: SandboxEvent, body: string, counted: boolean): WebhookDelivery {
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
    put(tenant.state.deliveries, delivery.id, delivery);
    // The payload is kept whatever the quota says, so that a quota_exceeded delivery can be redelivered.
    put(outboxOf(tenant.state), delivery.id, { seq: ++this.seq, body, round_attempts: 0, due_wall_ms: now, ...this.sender() });
    this.store.changed(tenant);
    if (counted && !this.withinQuota(tenant, delivery, now)) return delivery;
    const lane = this.lane(tenant.id, subscription.id);
    lane.line.push(delivery.id);
    this.kick(lane);
    return delivery;
  }

  /** Counts the delivery against the tenant's quota, or marks it `quota_exceeded` (not attempted). */
  private withinQuota(tenant: Tenant, delivery: WebhookDelivery, nowMs: number): boolean {
    const plan = tenant.access?.rate_limits?.plan ?? DEFAULT_PLAN;
    const verdict = takeWebhookDelivery((tenant.state.webhook_quota ??= newWebhookQuotaCounter()), plan, nowMs);
    if (verdict.allowed || !this.enforceQuotas) {
      delete delivery.quota;
      return true;
    }
    delivery.status = 'quota_exceeded';
    delivery.next_attempt_at = null;
    delivery.quota = { window: verdict.window, limit: verdict.limit, resets_at: new Date(verdict.resets_at_ms).toISOString() };
    const entry = tenant.state.webhook_outbox?.[delivery.id];
    if (entry) entry.due_wall_ms = null;
    return false;
  }

  /** With a shared store, this replica's mark on a delivery it sends; nothing otherwise. */
  private sender(): { replica?: string } {
    const replica = this.store.replica;
    return replica ? { replica } : {};
  }

  /** Whether this replica sends the delivery: always with an embedded store; with a shared one, when the entry names it. */
  private sends(entry: DeliveryOutboxEntry): boolean {
    const replica = this.store.replica;
    return replica === null || entry.replica === replica;
  }

  /** Pending deliveries whose sender is gone (not connected to the shared store) become this replica's, and are sent. */
  private async adoptOrphans(): Promise<void> {
    const me = this.store.replica;
    if (!me || this.adopting || this.closed) return;
    this.adopting = true;
    try {
      const tenantsOf = new Map<string, Set<string>>(); // sender → tenants with a pending delivery of it
      for (const tenant of this.store.listTenants()) {
        const outbox = tenant.state.webhook_outbox;
        if (!outbox) continue;
        for (const id in tenant.state.deliveries) {
          const entry = outbox[id];
          if (!entry || tenant.state.deliveries[id]!.status !== 'pending') continue; // without its payload there is nothing to send
          const sender = entry.replica ?? ''; // none named (a state import, a scenario): nobody's
          if (sender === me) continue;
          let tenants = tenantsOf.get(sender);
          if (!tenants) tenantsOf.set(sender, (tenants = new Set()));
          tenants.add(tenant.id);
        }
      }
      if (tenantsOf.size === 0) return;
      const alive = await this.store.liveReplicas([...tenantsOf.keys()].filter(Boolean));
      const gone = new Set([...tenantsOf.keys()].filter((sender) => !alive.has(sender)));
      const tenants = new Set([...gone].flatMap((sender) => [...tenantsOf.get(sender)!]));
      for (const tenantId of tenants) await this.adopt(tenantId, gone, me);
      this.adoptFailed = false;
    } catch (error) {
      if (!this.adoptFailed) console.error(`marketplace-sandbox: could not look for webhook deliveries of replicas gone: ${(error as Error).message}; trying again every ${ADOPT_EVERY_MS} ms.`);
      this.adoptFailed = true;
    } finally {
      this.adopting = false;
    }
  }

  /** Under the tenant's lock (caught up: another replica may have adopted them first), marks the gone senders' pending deliveries as this replica's, writes that, and sends them. */
  private async adopt(tenantId: string, gone: Set<string>, me: string): Promise<void> {
    const release = await this.store.lockTenant(tenantId);
    const adopted = new Set<string>();
    let tenant: Tenant | undefined;
    try {
      tenant = this.store.tenant(tenantId);
      if (!tenant || this.closed) return;
      const outbox = outboxOf(tenant.state);
      for (const d of Object.values(tenant.state.deliveries)) {
        const entry = outbox[d.id];
        if (d.status !== 'pending' || !entry || !gone.has(entry.replica ?? '')) continue;
        own(outbox, d.id)!.replica = me;
        adopted.add(d.id);
      }
      if (adopted.size === 0) return;
      this.store.changed(tenant);
      await this.store.durable(); // refused: undone in memory, and nothing is sent (the next look tries again)
    } finally {
      release();
    }
    if (!this.closed && adopted.size) this.resume(tenant, adopted);
  }

  /** Queues the tenant's pending deliveries this replica sends (only those of `only`, when given): first attempts in line, retries after the rest of their wait. */
  private resume(tenant: Tenant, only?: Set<string>): void {
    const outbox = outboxOf(tenant.state);
    for (const entry of Object.values(outbox)) this.seq = Math.max(this.seq, entry.seq);
    const pending = Object.values(tenant.state.deliveries)
      .filter((d) => d.status === 'pending' && (!only || only.has(d.id)) && (!outbox[d.id] || this.sends(outbox[d.id]!)))
      .sort((a, b) => (outbox[a.id]?.seq ?? 0) - (outbox[b.id]?.seq ?? 0));
    const now = Date.now();
    for (const d of pending) {
      const entry = outbox[d.id];
      if (!entry) {
        // Nothing to send: a state file from before deliveries kept their payload.
        Object.assign(own(tenant.state.deliveries, d.id)!, { status: 'failed', next_attempt_at: null });
        continue;
      }
      const lane = this.lane(tenant.id, d.subscription_id);
      // Not yet tried: back in line. Waiting for a retry: the rest of its wait.
      if (entry.round_attempts === 0) lane.line.push(d.id);
      else this.waitForRetry(lane, d.id, (entry.due_wall_ms ?? now) - now);
    }
    for (const lane of this.lanes.values()) if (lane.tenantId === tenant.id) this.kick(lane);
  }

  private lane(tenantId: string, subscriptionId: string): Lane {
    const key = laneKey(tenantId, subscriptionId);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new Lane(tenantId, subscriptionId);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * Runs the lane soon, after the current request has been answered and once what it queued is
   * written (src/store/durable-writes.ts): no event leaves for a change a crash could still lose.
   * A batch the disk refused was undone, its deliveries with it, so the lane finds nothing to send.
   */
  private kick(lane: Lane): void {
    if (lane.pumpQueued) return;
    lane.pumpQueued = true;
    const go = () => {
      lane.pumpQueued = false;
      this.pump(lane);
    };
    setImmediate(() => this.store.durable().then(go, go));
  }

  /** Starts what may start: the line's next first attempt, and due retries while there are free slots. */
  private pump(lane: Lane): void {
    if (this.closed) return;
    const tenant = this.store.tenant(lane.tenantId);
    if (tenant && !lane.lineBusy) {
      const next = this.nextLive(tenant, lane, lane.line);
      if (next) {
        lane.lineBusy = true;
        void this.attempt(tenant, lane, next).finally(() => {
          lane.lineBusy = false;
          this.kick(lane); // the next in line may have been queued by a change not yet written
        });
      }
    }
    while (tenant && lane.retriesInFlight < MAX_RETRIES_IN_FLIGHT) {
      const next = this.nextLive(tenant, lane, lane.dueRetries);
      if (!next) break;
      lane.retriesInFlight++;
      void this.attempt(tenant, lane, next).finally(() => {
        lane.retriesInFlight--;
        this.kick(lane);
      });
    }
    if (lane.idle && this.lanes.get(laneKey(lane.tenantId, lane.subscriptionId)) === lane) this.lanes.delete(laneKey(lane.tenantId, lane.subscriptionId));
  }

  /** The next delivery of `queue` that still exists and is pending (reset, delete and redeliver leave stale ids). */
  private nextLive(tenant: Tenant, lane: Lane, queue: IdQueue): Live | null {
    const state = tenant.state;
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const kept = state.webhook_outbox?.[id];
      if (kept && !this.sends(kept)) continue; // another replica adopted it
      // Owned copies: a restored snapshot shares its (frozen) entities until they change.
      const delivery = own(state.deliveries, id);
      const entry = state.webhook_outbox && own(state.webhook_outbox, id);
      const subscription = delivery ? own(state.webhooks, delivery.subscription_id) : undefined;
      if (delivery && entry && subscription && delivery.status === 'pending' && delivery.subscription_id === lane.subscriptionId && this.sends(entry)) {
        return { state, delivery, entry, subscription };
      }
    }
    return null;
  }

  /** A delivery whose outcome could not be recorded: tried again after a pause, unless a retry waits already. */
  private resendLater(lane: Lane, deliveryId: string): void {
    if (!this.closed && !lane.waits.has(deliveryId)) this.waitForRetry(lane, deliveryId, ADOPT_EVERY_MS);
  }

  /** Puts a delivery aside until its retry is due, then among the due retries. */
  private waitForRetry(lane: Lane, deliveryId: string, waitMs: number): void {
    const timer = setTimeout(() => {
      lane.waits.delete(deliveryId);
      lane.dueRetries.push(deliveryId);
      this.kick(lane);
    }, Math.max(0, waitMs));
    timer.unref();
    lane.waits.set(deliveryId, timer);
  }

  private async attempt(tenant: Tenant, lane: Lane, { state, delivery, entry, subscription }: Live): Promise<void> {
    try {
      const at = new Date();
      const headers = signDelivery(subscription.secret, delivery.event_id, delivery.event_type, Math.floor(at.getTime() / 1000), entry.body);
      const outcome = await postWebhook(subscription.url, { ...headers }, entry.body, this.attemptTimeoutMs, this.targets);
      this.onAttempt?.(outcome);
      // Shared: the outcome is recorded under the tenant's lock, on the state caught up with the
      // other replicas' writes, so it never writes back a subscription another replica changed meanwhile.
      let release: (() => void) | null = null;
      if (this.store.shared) {
        try {
          release = await this.store.lockTenant(tenant.id);
        } catch (error) {
          console.error(`marketplace-sandbox: the outcome of webhook delivery ${delivery.id} could not be recorded (${(error as Error).message}); it is sent again.`);
          this.resendLater(lane, delivery.id);
          return;
        }
      }
      try {
        // While the attempt was out, the tenant may have been reset, the subscription deleted, or the delivery adopted by another replica.
        const kept = state.webhook_outbox?.[delivery.id];
        if (this.closed || tenant.state !== state || state.deliveries[delivery.id]?.status !== 'pending' || !kept || !this.sends(kept)) return;
        // Own copies again: a commit while the attempt was out froze what it wrote.
        const live = { delivery: own(state.deliveries, delivery.id), entry: state.webhook_outbox && own(state.webhook_outbox, delivery.id), subscription: own(state.webhooks, subscription.id) };
        if (!live.delivery || !live.entry || !live.subscription) return;
        this.record(state, lane, live.delivery, live.entry, live.subscription, at, outcome);
        this.store.changed(tenant);
        // Refused by the shared store: undone in memory, still pending, so sent again.
        if (release) await this.store.durable().catch(() => this.resendLater(lane, delivery.id));
      } finally {
        release?.();
      }
    } catch (error) {
      console.error(`marketplace-sandbox: webhook delivery ${delivery.id} of ${lane.subscriptionId} stopped: ${(error as Error).message}`);
    }
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

    if (succeeded) return finish(delivery, entry, 'succeeded');
    if (code === 410) {
      // The receiver says the endpoint is gone for good: stop sending to it at all.
      attempt.error = '410 Gone: the subscription has been disabled; re-enable it with PATCH {"active": true}';
      subscription.active = false;
      subscription.updated_at = at.toISOString();
      finish(delivery, entry, 'failed');
      for (const queued of Object.values(state.deliveries)) {
        if (queued.subscription_id !== subscription.id || queued.status !== 'pending') continue;
        const queuedEntry = state.webhook_outbox && own(state.webhook_outbox, queued.id);
        if (queuedEntry) finish(own(state.deliveries, queued.id)!, queuedEntry, 'failed');
      }
      lane.drop();
      return;
    }
    // The subscription's own policy, else the tenant's (a scenario), else the server's; the scale (tests) stays the server's.
    const schedule = effectiveRetrySchedule(subscription.retry_policy, state.webhook_policy?.retry_schedule_seconds ?? this.policy.schedule_seconds);
    const delay = retryDelayMs({ schedule_seconds: schedule, scale: this.policy.scale }, entry.round_attempts, parseRetryAfter(outcome.retry_after, Date.now()));
    if (delay === null) return finish(delivery, entry, 'failed');
    attempt.next_retry_in_ms = delay;
    entry.due_wall_ms = Date.now() + delay;
    delivery.next_attempt_at = new Date(entry.due_wall_ms).toISOString();
    this.waitForRetry(lane, delivery.id, delay);
  }
}

const laneKey = (tenantId: string, subscriptionId: string): string => `${tenantId}/${subscriptionId}`;

function finish(delivery: WebhookDelivery, entry: DeliveryOutboxEntry, status: 'succeeded' | 'failed'): void {
  delivery.status = status;
  delivery.next_attempt_at = null;
  entry.due_wall_ms = null;
}

function describeStatus(code: number, retryAfter: string | null): string {
  return `receiver answered ${code}${retryAfter ? ` with Retry-After: ${retryAfter}` : ''}; 2xx acknowledges a delivery`;
}
