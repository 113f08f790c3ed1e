// The reference connector run as a service, the way a partner deploys it: a webhook endpoint that
// verifies each delivery and queues its event, and one work loop that, each tick, handles the
// queued events, polls the unconfirmed orders as a safety net, ships what the warehouse has packed,
// pushes stock changes in one batch and applies the ERP's price changes. Work is serial, so a
// webhook and a poll never handle the same order twice. On an error the next tick waits longer
// (back-off); on 429 or 503 it waits at least Retry-After before touching that work again.
// `test/readiness/certify.test.ts` certifies it: `marketplace-sandbox certify` must pass it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MarketplaceApiError } from './api-error.ts';
import type { MarketplaceClient, Order } from './marketplace-client.ts';
import { PartnerConnector, type Warehouse } from './partner-connector.ts';
import { WebhookReceiver, WebhookSignatureError, type MarketplaceEvent } from './webhook-receiver.ts';

export interface ServiceOptions {
  client: MarketplaceClient;
  warehouse: Warehouse;
  /** Wall ms between ticks (default 2000). */
  tickMs?: number;
  /** Ticks an accepted order spends being packed before it ships (default 3). */
  packingTicks?: number;
  /** Ticks between stock pushes (default 8). */
  stockEveryTicks?: number;
  /** The ERP's stock and price changes, asked for on each push. */
  erp?: {
    stock(): { id: string; status: 'active' | 'inactive'; in_stock: number }[];
    prices(): { productId: string; price: number; currency: 'EUR' }[];
  };
  log?: (line: string) => void;
}

export interface RunningService {
  /** Where the webhook endpoint listens. */
  webhookUrl: string;
  /** Starts receiving with the subscription's secret (after creating it with webhookUrl). */
  useSecret(secret: string): void;
  stop(): Promise<void>;
  stats: { ticks: number; events: number; shipped: number; errors: number; refusedSignatures: number };
}

const MAX_BACKOFF_TICKS = 4;

export async function startConnectorService(o: ServiceOptions): Promise<RunningService> {
  const connector = new PartnerConnector(o.client, { warehouse: o.warehouse, log: o.log });
  const tickMs = o.tickMs ?? 2000;
  const stats = { ticks: 0, events: 0, shipped: 0, errors: 0, refusedSignatures: 0 };
  const queue: MarketplaceEvent[] = [];
  const packing = new Map<string, number>(); // order id → tick it was accepted
  const notBefore = { orders: 0, stock: 0, prices: 0 };
  let receiver: WebhookReceiver | null = null;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (!receiver) throw new WebhookSignatureError('no secret yet');
        const { event, firstDelivery } = receiver.receive(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
        if (firstDelivery) queue.push(event);
        stats.events++;
        res.writeHead(204).end(); // acknowledge at once, work in the loop
      } catch (error) {
        if (error instanceof WebhookSignatureError) stats.refusedSignatures++;
        res.writeHead(400, { 'content-type': 'text/plain' }).end('signature check failed');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/marketplace`;

  /** Runs one kind of work unless a Retry-After still holds it back; remembers a new one. */
  const guarded = async (kind: keyof typeof notBefore, work: () => Promise<unknown>) => {
    if (Date.now() < notBefore[kind]) return;
    try {
      await work();
    } catch (error) {
      if (error instanceof MarketplaceApiError && error.retryAfterSeconds !== null) {
        notBefore[kind] = Date.now() + error.retryAfterSeconds * 1000;
      }
      throw error;
    }
  };

  const tick = async () => {
    stats.ticks++;
    await guarded('orders', async () => {
      while (queue.length) {
        await connector.handleEvent(queue[0]!);
        queue.shift();
      }
      for (const outcome of await connector.processUnconfirmedOrders()) if (outcome.action === 'accepted') packing.set(outcome.order_id, stats.ticks);
      for (const [id, since] of packing) {
        if (stats.ticks - since < (o.packingTicks ?? 3)) continue;
        const order: Order = await o.client.getOrder(id);
        // The customer may have cancelled it meanwhile (acknowledged above): nothing to ship.
        if (order.status === 'shipping') {
          await connector.shipOrder(id, { carrier: 'DHL', tracking_number: `JJD${id.slice(4).toUpperCase()}`, tracking_url: `https://www.dhl.com/track?tracking-id=JJD${id.slice(4).toUpperCase()}` });
          stats.shipped++;
        }
        packing.delete(id);
      }
    });
    if (o.erp && (stats.ticks - 1) % (o.stockEveryTicks ?? 8) === 0) {
      const erp = o.erp;
      await guarded('stock', async () => {
        const items = erp.stock();
        if (items.length) await connector.pushAvailability(items);
      });
      await guarded('prices', async () => {
        for (const change of erp.prices()) {
          try {
            await connector.setPrice({ productId: change.productId }, change.price, change.currency);
          } catch (error) {
            // A campaign holds the price: the ERP hears of it; the change is not sent again.
            if (!(error instanceof MarketplaceApiError && error.code === 'price_locked')) throw error;
          }
        }
      });
    }
  };

  let stopped = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        await tick();
        failures = 0;
      } catch (error) {
        failures = Math.min(failures + 1, MAX_BACKOFF_TICKS);
        stats.errors++;
        o.log?.(`tick failed: ${(error as Error).message}`);
      }
      // Back off: 1, 2, 4, 8, 16 ticks' worth after consecutive failures.
      const wait = tickMs * 2 ** failures;
      for (let waited = 0; waited < wait && !stopped; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    webhookUrl,
    useSecret(secret) {
      receiver = new WebhookReceiver(secret);
    },
    stats,
    async stop() {
      stopped = true;
      await loop;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
