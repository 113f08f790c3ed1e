// Runs the marketplace's own order moves (src/domain/marketplace-schedule.ts), and the carriers'
// parcel moves (./carrier-moves.ts), on a tenant as its
// sandbox clock passes them: when the clock is advanced through the control API, and, for clocks
// in realtime mode, on a cheap timer that never runs on a request's path.
import { advanceClock, clockNow, clockStart } from '../clock/clock.ts';
import { decideMarketplaceMove, type MarketplaceMoveVerdict } from '../domain/orders.ts';
import {
  byTime,
  DEFAULT_ORDER_RULES,
  dueMarketplaceMoves,
  nextMarketplaceMove,
  type MoveReason,
  type OrderRules,
  type PlannedMove,
} from '../domain/marketplace-schedule.ts';
import type { OrderStatus } from '../domain/types.ts';
import type { EventBus } from '../events/bus.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import { commitOrderChange } from './commit.ts';
import { runDueShipmentMoves, shipmentMovesDue, type AppliedShipmentMove } from './carrier-moves.ts';
import { PAYOUT_BOUNDARIES_MS } from '../domain/money.ts';
import { announcePayouts } from '../events/money.ts';
import type { operations as AdminOperations } from '../contract/generated/admin.ts';
import { own } from '../state/copy-on-write.ts';

/** The tenant's order rules: the defaults, with what the control API changed on top. */
export function orderRules(tenant: Tenant): OrderRules {
  return { ...DEFAULT_ORDER_RULES, ...tenant.state.marketplace?.rules };
}

/** Orders older than the tenant's clock start (the fixture's) count from the start (see nextMarketplaceMove). */
export const watchedSince = (tenant: Tenant): string => new Date(clockStart(tenant.clock)).toISOString();

/** A move as the control API reports it (specs/sandbox-admin.openapi.yaml, advanceClock's `moves`). */
export type AppliedMove = AdminOperations['advanceClock']['responses'][200]['content']['application/json']['moves'][number];

/** The statuses the marketplace moves orders from and to (see marketplaceMovesFrom), as the spec names them. */
export const asMoveStatuses = (from: OrderStatus, to: OrderStatus) =>
  ({ from_status: from, to_status: to }) as Pick<AppliedMove, 'from_status' | 'to_status'>;

/**
 * Makes every move due up to `until`, oldest first. A move can make the next one due (paid at
 * 09:05, cancelled by the customer at 11:00), so each applied move re-plans its order.
 */
export function runDueMoves(tenant: Tenant, events: EventBus, until: Date): AppliedMove[] {
  const since = watchedSince(tenant);
  const rules = orderRules(tenant);
  const untilIso = until.toISOString();
  const queue = dueMarketplaceMoves(Object.values(tenant.state.orders), rules, tenant.seed, since, untilIso);
  const applied: AppliedMove[] = [];
  while (queue.length > 0) {
    const move = queue.shift()!;
    const order = own(tenant.state.orders, move.order_id);
    if (!order || order.status !== move.from) continue;
    const verdict = decideMarketplaceMove(order, move.to, move.at, move.cancellation_reason);
    if (verdict.kind !== 'apply') continue;
    commitOrderChange(tenant, events, order, verdict.next, { moved: true, confirmedNow: false, fieldsChanged: false }, new Date(move.at));
    applied.push({ order_id: order.id, ...asMoveStatuses(move.from, move.to), at: move.at, reason: move.reason });
    const next = nextMarketplaceMove(verdict.next, rules, tenant.seed, since);
    if (next && next.at <= untilIso) insertSorted(queue, next);
  }
  return applied;
}

function insertSorted(queue: PlannedMove[], move: PlannedMove): void {
  let i = queue.length;
  while (i > 0 && byTime(queue[i - 1]!, move) > 0) i--;
  queue.splice(i, 0, move);
}

export interface ClockAdvance {
  from: Date;
  to: Date;
  moves: AppliedMove[];
  shipment_moves: AppliedShipmentMove[];
}

/** Moves the tenant's clock to `to` (never back), making every marketplace and carrier move due on the way. */
export function advanceTenantClock(tenant: Tenant, events: EventBus, to: Date, wallMs = Date.now()): ClockAdvance {
  const from = clockNow(tenant.clock, wallMs);
  const moves = runDueMoves(tenant, events, to);
  const shipment_moves = runDueShipmentMoves(tenant, events, watchedSince(tenant), to);
  announcePayouts(events, tenant, from.getTime(), to.getTime());
  tenant.clock = advanceClock(tenant.clock, to.getTime() - from.getTime(), wallMs);
  return { from, to, moves, shipment_moves };
}

/** A move a scenario or QA asks for now (e.g. "the customer cancels this order while it ships"). */
export function makeMarketplaceMove(
  tenant: Tenant,
  events: EventBus,
  orderId: string,
  to: OrderStatus,
  reason: string | undefined,
): MarketplaceMoveVerdict | { kind: 'not_found' } {
  const order = own(tenant.state.orders, orderId);
  if (!order) return { kind: 'not_found' };
  const now = clockNow(tenant.clock);
  const verdict = decideMarketplaceMove(order, to, now.toISOString(), reason);
  if (verdict.kind === 'apply') commitOrderChange(tenant, events, order, verdict.next, { moved: true, confirmedNow: false, fieldsChanged: false }, now);
  return verdict;
}

/** Whether (fromMs, toMs] passes a payout's week end or completion (the test announcePayouts makes first). */
function passesPayoutBoundary(fromMs: number, toMs: number): boolean {
  if (toMs <= fromMs) return false;
  if (toMs - fromMs >= WEEK_MS) return true;
  return PAYOUT_BOUNDARIES_MS.some((offset) => Math.floor((fromMs - offset) / WEEK_MS) * WEEK_MS + offset + WEEK_MS <= toMs);
}
const WEEK_MS = 7 * 86_400_000;

/** Whether a pass at sandbox time `now` would change the tenant: a move due, or a payout to announce since `lastMs`. */
export function movesDue(tenant: Tenant, now: Date, lastMs: number): boolean {
  const since = watchedSince(tenant);
  const until = now.toISOString();
  return (
    dueMarketplaceMoves(Object.values(tenant.state.orders), orderRules(tenant), tenant.seed, since, until).length > 0 ||
    shipmentMovesDue(tenant, since, until) ||
    passesPayoutBoundary(lastMs, now.getTime())
  );
}

/**
 * Realtime clocks move by themselves, so their due moves have to be made as wall time passes.
 * A timer (unref'd: it never keeps the process alive) looks at every realtime tenant once per
 * `intervalMs`; each move still carries its own due time, whatever the timer's lag.
 *
 * With a shared store (several replicas on one PostgreSQL) only the replica that leads the clock
 * (`store.clockLeader`, an advisory lock: src/store/postgres/clock-leader.ts) makes the moves; the
 * others see them through the log as they see any write. The leader's pass catches up on every
 * tenant, and a tenant with something due is changed as a write is: under the tenant's lock across
 * replicas (caught up under it), its batch committed before the lock is let go.
 */
export class MarketplaceTicker {
  private timer: NodeJS.Timeout | null = null;
  /** Each realtime tenant's sandbox time at the last pass. */
  private readonly lastSeen = new WeakMap<Tenant, number>();
  /** A shared pass running: the next beat skips rather than overlaps it. */
  private passing: Promise<number> | null = null;
  /** The last failure of a shared pass, reported once until it changes. */
  private lastFailure: string | null = null;

  constructor(
    private readonly store: SandboxStore,
    private readonly events: EventBus,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => (this.store.shared ? void this.sharedTick() : this.tick()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the realtime tenants; returns how many moves it made. */
  tick(wallMs = Date.now()): number {
    let made = 0;
    for (const tenant of this.store.listTenants()) {
      if (tenant.clock.mode !== 'realtime') continue;
      made += this.pass(tenant, wallMs);
    }
    if (made > 0) this.store.changed();
    return made;
  }

  /** The shared store's pass (see the class): nothing on a replica that does not lead the clock. */
  sharedTick(): Promise<number> {
    if (this.passing) return this.passing;
    if (!this.store.clockLeader) return Promise.resolve(0);
    const run = this.sharedPass().finally(() => {
      if (this.passing === run) this.passing = null;
    });
    this.passing = run;
    return run;
  }

  private async sharedPass(): Promise<number> {
    let made = 0;
    try {
      await this.store.catchUpAll(); // the clocks, orders and parcels as every replica left them
      for (const { id } of this.store.listTenants()) {
        if (!this.store.clockLeader) break; // the lock was lost during the pass: the new leader goes on
        const seen = this.store.tenant(id);
        if (!seen || seen.clock.mode !== 'realtime') continue;
        const now = clockNow(seen.clock);
        if (!movesDue(seen, now, this.lastSeen.get(seen) ?? now.getTime())) {
          this.lastSeen.set(seen, now.getTime());
          continue;
        }
        const release = await this.store.lockTenant(id);
        try {
          const tenant = this.store.tenant(id); // caught up under the lock
          if (!tenant || tenant.clock.mode !== 'realtime') continue;
          const moved = this.pass(tenant, Date.now());
          made += moved;
          this.store.changed(tenant);
          await this.store.durable();
        } finally {
          release();
        }
      }
      this.lastFailure = null;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastFailure) console.error(`marketplace-sandbox: the clock's scheduled moves could not run (${message}); retrying every ${this.intervalMs} ms.`);
      this.lastFailure = message;
    }
    return made;
  }

  /** Every move due on the tenant's clock now, and the payouts it passed since the last pass. */
  private pass(tenant: Tenant, wallMs: number): number {
    let made = 0;
    try {
      const now = clockNow(tenant.clock, wallMs);
      made += runDueMoves(tenant, this.events, now).length;
      made += runDueShipmentMoves(tenant, this.events, watchedSince(tenant), now).length;
      // Payouts as the clock passes their boundaries, since the last pass over this tenant.
      const last = this.lastSeen.get(tenant) ?? now.getTime();
      announcePayouts(this.events, tenant, last, now.getTime());
      this.lastSeen.set(tenant, now.getTime());
    } catch (error) {
      console.error(`marketplace-sandbox: marketplace moves failed for ${tenant.id}: ${(error as Error).message}`);
    }
    return made;
  }
}
