// Shared steps of the catalogue-rules tests: watching the event bus, waiting for a job, moving a
// tenant's sandbox clock, and building valid product bodies from the tenant's own categories.
import { advanceClock } from '../../src/clock/clock.ts';
import type { SandboxEvent } from '../../src/events/bus.ts';
import type { Category, Product, TenantState } from '../../src/domain/types.ts';
import type { Tenant } from '../../src/store/store.ts';
import type { TestSandbox } from '../support/sandbox.ts';

export const TENANT_A = 'ten_nordwind';

export function tenantOf(sb: TestSandbox, id = TENANT_A): Tenant {
  return sb.store.tenant(id)!;
}

export function stateOf(sb: TestSandbox, id = TENANT_A): TenantState {
  return tenantOf(sb, id).state;
}

/** Every event emitted from now on; `stop()` unsubscribes. */
export function recordEvents(sb: TestSandbox): { events: SandboxEvent<any>[]; of(type: string): SandboxEvent<any>[]; stop(): void } {
  const events: SandboxEvent<any>[] = [];
  const stop = sb.events.subscribe((e) => events.push(e));
  return { events, of: (type) => events.filter((e) => e.event === type), stop };
}

/** Moves the tenant's sandbox clock forward (what the control API's clock endpoint does). */
export function advance(sb: TestSandbox, ms: number, id = TENANT_A): void {
  const tenant = tenantOf(sb, id);
  tenant.clock = advanceClock(tenant.clock, ms);
}

/** The states a job ends in (specs/marketplace.openapi.yaml, JobState). */
export const FINISHED_JOB_STATES = ['completed', 'completed_with_errors', 'failed'];

/** Polls GET /api/v2/jobs/{id} until the job is finished (bounded). */
export async function waitForJob(sb: TestSandbox, jobId: string, key?: string): Promise<any> {
  for (let i = 0; i < 2000; i++) {
    const res = await sb.call('GET', `/api/v2/jobs/${jobId}`, { key });
    if (res.status !== 200) throw new Error(`GET job ${jobId}: ${res.status} ${JSON.stringify(res.body)}`);
    if (FINISHED_JOB_STATES.includes(res.body.state)) return res.body;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${jobId} did not finish`);
}

/** A leaf category of the fixture matching `pick`. */
export function leafCategory(state: TenantState, pick: (c: Category) => boolean = () => true): Category {
  const found = state.categories.find((c) => c.leaf && pick(c));
  if (!found) throw new Error('no leaf category matches');
  return found;
}

/** Parameters satisfying a category: every required one, with the first allowed value. */
export function validParameters(category: Category, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of category.parameters) {
    if (!p.required || skip.includes(p.name)) continue;
    out[p.name] = p.type === 'enum' ? p.values![0]! : p.type === 'number' ? '1' : 'cotton';
  }
  // Conditions that fire on these values pull their required parameters in.
  for (const c of category.conditions) {
    if (out[c.when.parameter] !== c.when.equals) continue;
    for (const name of c.require) {
      const p = category.parameters.find((x) => x.name === name)!;
      out[name] = p.type === 'enum' ? p.values![0]! : p.type === 'number' ? '1' : 'text';
    }
  }
  return out;
}

/** A valid ProductCreate body in the given (or the first) leaf category. */
export function productBody(state: TenantState, sku: string, overrides: Record<string, unknown> = {}, category = leafCategory(state)): Record<string, unknown> {
  return {
    sku,
    title: `Test product ${sku}`,
    brand_id: state.brands[0]!.id,
    category_id: category.id,
    ean: '4006381333931',
    price: 20,
    parameters: validParameters(category),
    ...overrides,
  };
}

/** A live, active product without variants (so its own price and stock are what counts). */
export function simpleProduct(state: TenantState, skip = 0): Product {
  return Object.values(state.products).filter((p) => p.variants.length === 0 && p.status === 'live' && p.availability.status === 'active')[skip]!;
}

export function variantProduct(state: TenantState, skip = 0): Product {
  return Object.values(state.products).filter((p) => p.variants.length > 1)[skip]!;
}
