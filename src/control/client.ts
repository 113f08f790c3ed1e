// The HTTP client of the sandbox's control API (/__sandbox, admin token), for everything that
// drives a sandbox from outside: the CLI's control commands, the checks, the Pact verification and
// the tests. It works against any URL, or an in-process app through `fetch`.
//
// It must stay light: CLI commands load it on every start, so it imports nothing of the server.
import { resolveAdminToken } from './admin-token.ts';
import type { components } from '../contract/generated/admin.ts';

/** The control API's schemas (specs/sandbox-admin.openapi.yaml): types only, nothing loads. */
type AdminSchemas = components['schemas'];

export interface ControlClientOptions {
  /** Base URL of the sandbox, e.g. http://127.0.0.1:4300 (a path prefix is kept). */
  url: string;
  /** Resolved with resolveAdminToken: empty or missing means env SANDBOX_ADMIN_TOKEN, then the default. */
  adminToken?: string;
  /** Another fetch, e.g. one that calls an in-process app. */
  fetch?: typeof fetch;
  /** A call unanswered after this many milliseconds fails (default 60 s: a reset may build a world). */
  timeoutMs?: number;
}

/** A control-API answer, whatever its status: the body is `unknown` until the caller names its type. */
export interface ControlAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON; the text when it is not JSON; undefined when empty. */
  body: T;
}

/** The problem+json body of a refused call (specs/sandbox-admin.openapi.yaml, Problem). */
export interface ControlProblem {
  code?: string;
  detail?: string;
  errors?: { pointer: string; message: string }[];
}

export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    /** null: no answer at all (unreachable, timed out). */
    readonly status: number | null,
    readonly problem: ControlProblem | null = null,
  ) {
    super(message);
    this.name = 'ControlApiError';
  }
}

/** What the client uses of a created tenant (TenantCreated). */
export type FreshTenant = Pick<AdminSchemas['TenantCreated'], 'tenant_id' | 'api_key'>;

/** What the client uses of a listed tenant (TenantSummary). */
export type TenantSummary = Pick<AdminSchemas['TenantSummary'], 'tenant_id' | 'name' | 'api_keys'>;

/** Rate-limit body that lifts every limit far above anything a bounded check run sends. */
export function unthrottledLimits(groups: string[]): Record<string, unknown> {
  return {
    plan: 'enterprise',
    daily_quota: 100_000_000,
    burst_per_minute: 10_000_000,
    groups: Object.fromEntries(groups.map((g) => [g, 10_000_000])),
  };
}

const withTenant = (path: string, tenantId?: string): string => (tenantId ? `${path}?tenant_id=${encodeURIComponent(tenantId)}` : path);

export class ControlClient {
  readonly url: string;
  readonly adminToken: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: ControlClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.adminToken = resolveAdminToken(options.adminToken);
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** One call, answered with whatever status; fails only when the sandbox does not answer. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ControlAnswer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchFn(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const e = error as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : String(e.cause ?? e.message);
      throw new ControlApiError(
        `${method} ${path}: cannot reach the sandbox at ${this.url} (${why}); is it running? Start one with \`marketplace-sandbox serve\`, or point --url at the one you mean.`,
        method,
        path,
        null,
      );
    }
    const text = await response.text();
    let parsed: unknown = text === '' ? undefined : text;
    try {
      if (text) parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /**
   * One call that must succeed: answers the body of a 2xx (or of one of `expected`), else throws a
   * ControlApiError naming the call, the status, what the sandbox said and what to do about it.
   */
  async call<T = unknown>(method: string, path: string, body?: unknown, expected?: number[]): Promise<T> {
    const answer = await this.request<T>(method, path, body);
    const ok = expected ? expected.includes(answer.status) : answer.status >= 200 && answer.status < 300;
    if (!ok) throw this.refusal(method, path, answer);
    return answer.body;
  }

  // --- the calls the CLI, the checks and the Pact verification make ------------------------------

  async createTenant(name: string): Promise<FreshTenant> {
    const body = await this.call<FreshTenant>('POST', '/__sandbox/tenants', { name }, [201]);
    if (!body?.tenant_id || !body.api_key) {
      throw new ControlApiError(`POST /__sandbox/tenants at ${this.url} answered 201 without a tenant_id and api_key: is this a marketplace-sandbox?`, 'POST', '/__sandbox/tenants', 201);
    }
    return { tenant_id: body.tenant_id, api_key: body.api_key };
  }

  async listTenants(): Promise<TenantSummary[]> {
    return (await this.call<{ data: TenantSummary[] }>('GET', '/__sandbox/tenants')).data;
  }

  /**
   * Sets the tenant's rate limits ({} for the plan's defaults). Answers false when the sandbox has
   * no rate-limit endpoint (a version without rate limiting, where there is nothing to set).
   */
  async setRateLimits(tenantId: string, limits: Record<string, unknown>): Promise<boolean> {
    try {
      await this.call('PUT', `/__sandbox/tenants/${encodeURIComponent(tenantId)}/rate-limits`, limits);
      return true;
    } catch (error) {
      if (error instanceof ControlApiError && (error.status === 404 || error.status === 405)) return false;
      throw error;
    }
  }

  /** Replaces the tenant's fault rules (see PUT /__sandbox/faults). */
  setFaults(tenantId: string, rules: unknown[], seed?: number): Promise<AdminSchemas['FaultRules']> {
    return this.call('PUT', '/__sandbox/faults', { tenant_id: tenantId, rules, ...(seed === undefined ? {} : { seed }) });
  }

  async clearFaults(tenantId: string): Promise<void> {
    await this.call('DELETE', withTenant('/__sandbox/faults', tenantId));
  }

  /** Resets a tenant (default: the sandbox's default tenant) into a scenario (default: its current one). */
  reset(options: { tenantId?: string; scenario?: string } = {}): Promise<AdminSchemas['ResetResult']> {
    return this.call('POST', '/__sandbox/reset', {
      ...(options.scenario ? { scenario: options.scenario } : {}),
      ...(options.tenantId ? { tenant_id: options.tenantId } : {}),
    });
  }

  saveSnapshot(name: string, tenantId?: string): Promise<AdminSchemas['Snapshot']> {
    return this.call('POST', '/__sandbox/snapshots', { name, ...(tenantId ? { tenant_id: tenantId } : {}) });
  }

  restoreSnapshot(name: string, tenantId?: string): Promise<AdminSchemas['SnapshotRestored']> {
    return this.call('POST', withTenant(`/__sandbox/snapshots/${encodeURIComponent(name)}/restore`, tenantId));
  }

  async listSnapshots(tenantId?: string): Promise<AdminSchemas['Snapshot'][]> {
    return (await this.call<AdminSchemas['SnapshotList']>('GET', withTenant('/__sandbox/snapshots', tenantId))).data;
  }

  async deleteSnapshot(name: string, tenantId?: string): Promise<void> {
    await this.call('DELETE', withTenant(`/__sandbox/snapshots/${encodeURIComponent(name)}`, tenantId));
  }

  private refusal(method: string, path: string, answer: ControlAnswer<unknown>): ControlApiError {
    const problem = answer.body && typeof answer.body === 'object' ? (answer.body as ControlProblem) : null;
    const raw = typeof answer.body === 'string' ? answer.body.slice(0, 300) : JSON.stringify(answer.body ?? '');
    const detail = problem?.detail ?? raw;
    const fields = (problem?.errors ?? []).map((e) => `\n  ${e.pointer} ${e.message}`).join('');
    const code = problem?.code ? ` ${problem.code}` : '';
    return new ControlApiError(`${method} ${path} answered ${answer.status}${code}: ${detail}${fields}${this.hint(answer)}`, method, path, answer.status, problem);
  }

  /** What to do about a refusal, where the status says more than the detail does. */
  private hint(answer: ControlAnswer<unknown>): string {
    if (answer.status === 401 || answer.status === 403) {
      return `\nThe sandbox at ${this.url} refused the admin token: pass its token with --admin-token or SANDBOX_ADMIN_TOKEN.`;
    }
    const isProblem = typeof answer.body === 'object' && answer.body !== null && 'detail' in answer.body;
    if ((answer.status === 404 || answer.status === 405) && !isProblem) return `\nIs ${this.url} a marketplace-sandbox? Its control API answers under /__sandbox.`;
    return '';
  }
}
