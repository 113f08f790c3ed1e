// Replica A is killed (SIGKILL) while a client writes to it: every write A answered 2xx is read on
// B, and B takes over the sandbox clock: it becomes the leader and the marketplace's own moves,
// which only the leader's timer makes on a realtime clock, happen on it.
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { json } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

const admin = { authorization: 'Bearer sandbox-admin-token' };

/** Polls `probe` until it gives a value (not undefined) or `ms` pass; the last value seen goes into the error. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms (${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const health = async (replica: ServeProcess) => (await json(`${replica.url}/__sandbox/health`)).body as { clock_leader: boolean };

describe('a replica killed under write load', () => {
  it('loses no acknowledged write, and the other replica takes over the clock', async () => {
    const url = pg.database();
    // A first: it leads the clock (the banner says so); B, started next, follows.
    const a = await serveProcess(['--store', url]);
    let b: ServeProcess | undefined;
    try {
      b = await serveProcess(['--store', url]);
      expect(a.output()).toMatch(/clock leader {2}yes/);
      expect(b.output()).toMatch(/clock leader {2}no/);
      expect((await health(a)).clock_leader).toBe(true);
      expect((await health(b)).clock_leader).toBe(false);

      expect((await json(`${a.url}/__sandbox/tenants/ten_nordwind/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ plan: 'enterprise' }) })).status).toBe(200);
      const api = `${a.url}/api/v2`;
      const category = (await json(`${api}/categories`)).body.data[0].children[0].id as string;
      const brand = (await json(`${api}/brands?limit=1`)).body.data[0].id as string;
      const parameters = (await json(`${api}/products?category=${category}&limit=1`)).body.data[0].parameters as unknown;

      // Four writers on A, each creating products until A stops answering; every 201 is recorded.
      const acknowledged: Array<{ id: string; sku: string }> = [];
      const refused: number[] = [];
      let n = 0;
      const writer = async () => {
        for (;;) {
          const sku = `crash-${n++}`;
          let answer: { status: number; body: { id?: string } };
          try {
            answer = await json(`${api}/products`, {
              method: 'POST',
              body: JSON.stringify({ sku, title: `Crash ${sku}`, brand_id: brand, category_id: category, ean: '4006381333931', price: 19.99, parameters }),
            });
          } catch {
            return; // A is gone: the connection was refused or cut, no answer
          }
          if (answer.status === 201 && answer.body.id) acknowledged.push({ id: answer.body.id, sku });
          else refused.push(answer.status);
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      await until('30 acknowledged writes on A', async () => (acknowledged.length >= 30 ? true : undefined));
      expect(b.output()).not.toMatch(/now runs the sandbox clock/); // B followed while A was alive
      a.child.kill('SIGKILL'); // the serving node process itself (the bin, no wrapper)
      await Promise.all(writers);
      expect(refused).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(30);

      // None lost: each acknowledged product is on B.
      const onB = await Promise.all(acknowledged.map(({ id }) => json(`${b!.url}/api/v2/products/${id}`)));
      expect(onB.map((x) => [x.status, x.body.sku])).toEqual(acknowledged.map(({ sku }) => [200, sku]));

      // B takes the clock's lock once A's session is gone.
      await until('B leading the clock', async () => ((await health(b!)).clock_leader ? true : undefined));
      expect(b.output()).toMatch(/now runs the sandbox clock's scheduled moves/);

      // A move only the leader's timer makes: prepaid orders paid 1 s after they are placed, on a realtime clock, with no advance asked for.
      const ctl = `${b.url}/__sandbox`;
      const clock = await json(`${ctl}/clock?tenant_id=ten_nordwind`, { headers: admin });
      expect(clock.body.mode).toBe('realtime');
      const rules = await json(`${ctl}/orders/rules`, { method: 'PUT', headers: admin, body: JSON.stringify({ prepaid_payment_delay_seconds: 1, unpaid_prepaid_share: 0, customer_cancel_share: 0 }) });
      expect(rules.status).toBe(200);
      const generated = await json(`${ctl}/orders/generate`, { method: 'POST', headers: admin, body: JSON.stringify({ count: 3, payment_mix: { prepaid: 1, cash_on_delivery: 0 } }) });
      expect(generated.status).toBe(201);
      const ids = (generated.body.orders as Array<{ id: string; status: string }>).map((order) => order.id);
      expect(ids).toHaveLength(3);
      const statuses = await until('the prepaid orders moved to open by B', async () => {
        const now = await Promise.all(ids.map(async (id) => (await json(`${b!.url}/api/v2/orders/${id}`)).body.status as string));
        return now.every((status) => status === 'open') ? now : undefined;
      });
      expect(statuses).toEqual(['open', 'open', 'open']);
    } finally {
      await Promise.all([a, b].map((r) => r && stopProcess(r.child, 'SIGKILL')));
    }
  }, 90_000);
});
