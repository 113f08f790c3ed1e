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
import { runDueShipmentMoves, type AppliedShipmentMove } from './carrier-moves.ts';
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

/**
 * Realtime clocks move by themselves, so their due moves have to be made as wall time passes.
 * A timer (unref'd: it never keeps the process alive) looks at every realtime tenant once per
 * `intervalMs`; each move still carries its own due time, whatever the timer's lag.
 */
export class MarketplaceTicker {
  private timer: NodeJS.Timeout | null = null;
  /** Each realtime tenant's sandbox time at the last pass. */
  private readonly lastSeen = new WeakMap<Tenant, number>();

  constructor(
    private readonly store: SandboxStore,
    private readonly events: EventBus,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
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
    }
    if (made > 0) this.store.changed();
    return made;
  }
}
