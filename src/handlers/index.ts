// Every partner-API handler, keyed by the operationId it serves. Operations missing here are
// answered by Prism from the spec's examples (see src/contract/prism-fallback.ts).
import type { HandlerRegistry } from '../server/handler.ts';
import { catalogHandlers } from './catalog.ts';
import { inventoryHandlers } from './inventory.ts';
import { orderHandlers } from './orders.ts';
import { productHandlers } from './products.ts';
import { webhookHandlers } from './webhooks.ts';

export const apiHandlers: HandlerRegistry = {
  ...productHandlers,
  ...inventoryHandlers,
  ...orderHandlers,
  ...catalogHandlers,
  ...webhookHandlers,
};
