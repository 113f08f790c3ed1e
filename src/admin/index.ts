// Every control-API handler, keyed by operationId of specs/sandbox-admin.openapi.yaml.
import type { TenantPolicies } from '../scenarios/enter.ts';
import type { StateCheck } from '../scenarios/state-check.ts';
import { registry, type HandlerRegistry } from '../server/handler.ts';
import { pricingAdminHandlers } from './pricing.ts';
import { clockAdminHandlers } from './clock.ts';
import { orderAdminHandlers } from './orders.ts';
import { scenarioAdminHandlers } from './scenarios.ts';
import { tenantAdminHandlers } from './tenants.ts';

export const adminHandlers = (version: string, policies: TenantPolicies, checkState: StateCheck): HandlerRegistry =>
  registry({
  ...tenantAdminHandlers(version, policies),
  ...scenarioAdminHandlers(policies, checkState),
  ...clockAdminHandlers,
  ...orderAdminHandlers,
  ...pricingAdminHandlers,
  });
