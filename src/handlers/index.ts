// Every partner-API handler, keyed by the operationId it serves. Operations missing here are
// answered by Prism from the spec's examples (see src/contract/prism-fallback.ts).
import { registry, type HandlerRegistry } from '../server/handler.ts';
import { catalogHandlers } from './catalog.ts';
import { eventHandlers } from './events.ts';
import { inventoryHandlers } from './inventory.ts';
import { moneyHandlers } from './money.ts';
import { oauthHandlers } from './oauth.ts';
import { orderHandlers } from './orders.ts';
import { priceHandlers } from './prices.ts';
import { productBulkHandlers } from './product-bulk.ts';
import { productHandlers } from './products.ts';
import { webhookHandlers } from './webhooks.ts';

export const apiHandlers: HandlerRegistry = registry({
  ...productHandlers,
  ...productBulkHandlers,
  ...priceHandlers,
  ...inventoryHandlers,
  ...orderHandlers,
  ...catalogHandlers,
  ...webhookHandlers,
  ...eventHandlers,
  ...moneyHandlers,
  ...oauthHandlers,
});
