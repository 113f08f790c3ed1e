// Every control-API handler, keyed by operationId of specs/sandbox-admin.openapi.yaml.
import type { HandlerRegistry } from '../server/handler.ts';
import { pricingAdminHandlers } from './pricing.ts';
import { clockAdminHandlers } from './clock.ts';
import { orderAdminHandlers } from './orders.ts';
import { tenantAdminHandlers } from './tenants.ts';

export const adminHandlers = (version: string): HandlerRegistry => ({
  ...tenantAdminHandlers(version),
  ...clockAdminHandlers,
  ...orderAdminHandlers,
  ...pricingAdminHandlers,
});
