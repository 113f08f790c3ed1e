// `marketplace-sandbox certify`: plays the marketplace's side of a business day, compressed by
// --speed, while the partner's connector runs against the sandbox, then judges it with the
// readiness report. Everything goes through the control API; the connector's tenant sees only
// what a marketplace would do to it:
//   - new orders in waves over the first 60 % of the day (prepaid ones open when paid, cash on
//     delivery ones within minutes, some prepaid ones stay blocked);
//   - customer cancellations of orders the connector has moved to shipping;
//   - a price campaign that locks the price of items of those orders for a sandbox hour;
//   - a burst: a wave of orders while the bulk group (availability batches) is cut to one request
//     a minute, so stock pushes meet 429 and Retry-After (order reads keep the plan's limit: the
//     window is a wall-clock minute, which a compressed day cannot shorten);
//   - a flaky spell: a share of requests answered 503 with Retry-After, for a tenth of the day and
//     on until one struck (at most another tenth, or 10 s), so the back-off rules have something to judge;
//   then it waits `settle_seconds` for the connector's reactions and asks for the report over the
// run (with the signature probe). Limits, faults and the clock are put back as they were.
import { ControlClient } from '../control/client.ts';
import type { ReadinessReport } from '../domain/readiness.ts';
import { fetchReadiness, readProfile, writeReadiness, type ReportFormat } from './run-readiness.ts';

export interface CertifyOptions {
  url: string;
  tenant: string;
  adminToken?: string;
  profileFile: string;
  /** Sandbox seconds per wall second. */
  speed: number;
  formats: ReportFormat[];
  outDir: string;
  /** Draw a progress bar (on a TTY). */
  progress: boolean;
}

/** What the profile's `certify` section may set. */
export interface CertifyPlan {
  business_day_hours: number;
  orders: number;
  cancellations: number;
  settle_seconds: number;
}

export const DEFAULT_CERTIFY_PLAN: CertifyPlan = { business_day_hours: 8, orders: 40, cancellations: 2, settle_seconds: 20 };

/** One step of the day: at this share of it, do this. */
interface Step {
  at: number;
  phase: string;
  run(): Promise<void>;
}

export interface CertifyOutcome {
  exitCode: 0 | 1;
  report: ReadinessReport;
  files: string[];
  played: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runCertify(o: CertifyOptions): Promise<CertifyOutcome> {
  const control = new ControlClient({ url: o.url, adminToken: o.adminToken });
  const profile = await readProfile(o.profileFile);
  const plan: CertifyPlan = { ...DEFAULT_CERTIFY_PLAN, ...(profile.certify as Partial<CertifyPlan> | undefined) };
  const tenant = encodeURIComponent(o.tenant);
  const dayMs = (plan.business_day_hours * 3_600_000) / o.speed;

  // What is put back at the end.
  const clock = await control.call<{ mode: 'realtime' | 'manual'; factor: number }>('GET', `/__sandbox/clock?tenant_id=${tenant}`);
  const limits = await control.call<{ plan: string; daily_quota: number; burst_per_minute: number; groups: Record<string, number> }>('GET', `/__sandbox/tenants/${tenant}/rate-limits`);
  const faults = await control.call<{ seed: number; rules: unknown[] }>('GET', `/__sandbox/faults?tenant_id=${tenant}`);
  const restoreLimits = () => control.call('PUT', `/__sandbox/tenants/${tenant}/rate-limits`, { plan: limits.plan, daily_quota: limits.daily_quota, burst_per_minute: limits.burst_per_minute, groups: limits.groups });
  const restoreFaults = () => control.call('PUT', '/__sandbox/faults', { tenant_id: o.tenant, seed: faults.seed, rules: faults.rules });

  const started = new Date();
  const played = { orders: 0, cancellations: 0, campaigns: 0, burst_orders: 0, rate_limited: 0, flaky_spells: 0, faults_struck: 0 };
  /** Waits until the tenant's connector got an answer of this status since `since`, at most `maxMs`. */
  const answered = async (status: number, since: Date, maxMs: number): Promise<boolean> => {
    const ends = Date.now() + maxMs;
    for (;;) {
      const page = await control.call<{ data: unknown[] }>('GET', `/__sandbox/requests?tenant_id=${tenant}&status=${status}&since=${encodeURIComponent(since.toISOString())}&limit=1`);
      if (page.data.length) return true;
      if (Date.now() >= ends) return false;
      await sleep(250);
    }
  };
  const campaigns: string[] = [];
  const newOrders = async (count: number) => {
    const answer = await control.call<{ orders: { id: string }[] }>('POST', '/__sandbox/orders/generate', { tenant_id: o.tenant, count, payment_mix: { prepaid: 0.7, cash_on_delivery: 0.3 } });
    return answer.orders.length;
  };
  type Table<T> = T[] | Record<string, T>;
  const rows = <T>(table: Table<T>): T[] => (Array.isArray(table) ? table : Object.values(table));
  const tenantState = async () => {
    const { state } = await control.call<{ state: { orders: Table<{ id: string; status: string; items: { product_id: string }[] }>; products: Table<{ id: string; price: number; deleted_at: string | null }> } }>('GET', `/__sandbox/state?tenant_id=${tenant}`);
    return { orders: rows(state.orders), products: rows(state.products) };
  };
  const waves = 5;
  const perWave = Math.max(1, Math.floor(plan.orders / waves));
  const steps: Step[] = [
    { at: 0, phase: 'the marketplace clock runs', run: async () => void (await control.call('PUT', '/__sandbox/clock', { tenant_id: o.tenant, mode: 'realtime', factor: o.speed })) },
    ...Array.from({ length: waves }, (_, i) => ({ at: 0.02 + (i * 0.58) / waves, phase: `new orders (wave ${i + 1} of ${waves})`, run: async () => void (played.orders += await newOrders(perWave)) })),
    {
      at: 0.4,
      phase: 'customers cancel orders in shipping',
      run: async () => {
        // Orders the connector has moved to shipping: the cancels it must acknowledge.
        const inShipping = (await tenantState()).orders.filter((order) => order.status === 'shipping').slice(0, plan.cancellations);
        for (const order of inShipping) {
          const answer = await control.request('POST', `/__sandbox/orders/${encodeURIComponent(order.id)}/move`, { tenant_id: o.tenant, to: 'cancelled', reason: 'Customer withdrew the order while it was being packed' });
          if (answer.status === 200) played.cancellations++;
        }
      },
    },
    {
      at: 0.45,
      phase: 'a price campaign locks prices',
      run: async () => {
        const state = await tenantState();
        const now = await control.call<{ now: string }>('GET', `/__sandbox/clock?tenant_id=${tenant}`);
        const ends_at = new Date(Date.parse(now.now) + 3_600_000).toISOString();
        // Items customers are buying today, locked at their current price for a sandbox hour.
        const ordered = new Set(state.orders.flatMap((order) => order.items.map((item) => item.product_id)));
        for (const product of state.products.filter((p) => ordered.has(p.id) && p.deleted_at === null).slice(0, 2)) {
          const answer = await control.request('PUT', `/__sandbox/tenants/${tenant}/campaign-prices/${encodeURIComponent(product.id)}`, { force_price: product.price, campaign: 'certify: day deal', ends_at });
          if (answer.status === 200) campaigns.push(product.id);
          played.campaigns = campaigns.length;
        }
      },
    },
    {
      at: 0.55,
      phase: 'a burst hits the rate limits',
      run: async () => {
        const since = new Date();
        await control.call('PUT', `/__sandbox/tenants/${tenant}/rate-limits`, { plan: limits.plan, groups: { ...limits.groups, bulk: 1 } });
        played.burst_orders += await newOrders(Math.max(5, perWave * 2));
        // Held until a request met the limit (or a tenth of the day passed), so the rule is exercised.
        if (await answered(429, since, 0.1 * dayMs)) played.rate_limited++;
        await restoreLimits();
      },
    },
    {
      at: 0.7,
      phase: 'a flaky spell: 503s with Retry-After',
      run: async () => {
        const since = new Date();
        await control.call('PUT', '/__sandbox/faults', { tenant_id: o.tenant, seed: faults.seed, rules: [...faults.rules, { id: 'certify-flaky-spell', error: { rate: 0.3, status: 503, retry_after_seconds: 1 } }] });
        played.flaky_spells++;
        // At least a tenth of the day, and on until a fault struck the connector (another tenth, or 10 s).
        await sleep(0.1 * dayMs);
        if (await answered(503, since, Math.max(0.1 * dayMs, 10_000))) played.faults_struck++;
        await restoreFaults();
      },
    },
  ];

  const totalMs = dayMs + plan.settle_seconds * 1000;
  const bar = progressBar(o.progress, totalMs);
  try {
    for (const step of steps) {
      const due = started.getTime() + step.at * dayMs;
      await waitUntil(due, () => bar.draw(step.phase, Date.now() - started.getTime()));
      await step.run();
    }
    await waitUntil(started.getTime() + dayMs, () => bar.draw('the day ends', Date.now() - started.getTime()));
    await waitUntil(started.getTime() + totalMs, () => bar.draw("waiting for the connector's last reactions", Date.now() - started.getTime()));
  } finally {
    bar.done();
    // Put back what the run changed, whatever happened.
    await restoreLimits().catch(() => {});
    await restoreFaults().catch(() => {});
    for (const item of campaigns) await control.request('DELETE', `/__sandbox/tenants/${tenant}/campaign-prices/${encodeURIComponent(item)}`).catch(() => {});
    await control.call('PUT', '/__sandbox/clock', { tenant_id: o.tenant, mode: clock.mode, factor: clock.factor }).catch(() => {});
  }
  const report = await fetchReadiness(control, { tenant: o.tenant, since: started, probeSignatures: true, profile });
  const files = await writeReadiness(report, o.formats, o.outDir);
  return { exitCode: report.verdict === 'pass' ? 0 : 1, report, files, played };
}

async function waitUntil(due: number, tick: () => void): Promise<void> {
  for (;;) {
    tick();
    const left = due - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 250));
  }
}

function progressBar(enabled: boolean, totalMs: number): { draw(phase: string, elapsedMs: number): void; done(): void } {
  if (!enabled) return { draw() {}, done() {} };
  let drawn = false;
  return {
    draw(phase, elapsedMs) {
      const width = 30;
      const share = Math.min(1, elapsedMs / totalMs);
      const filled = Math.round(share * width);
      const left = Math.max(0, Math.ceil((totalMs - elapsedMs) / 1000));
      process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${phase} · ${left} s left`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}
