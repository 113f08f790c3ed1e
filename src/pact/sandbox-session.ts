// One verification run's view of a sandbox: a fresh tenant of its own (so nothing another run or a
// person does on the sandbox can disturb it), reached only through the sandbox's HTTP APIs, the
// control API with the admin token and the partner API with the tenant's key. The same code works
// for an in-process sandbox and for one at any URL.
//
// It also keeps what the provider states of the current interaction arranged: values handed to the
// pact by provider-state injection, and the credentials the consumer's pact names, mapped onto
// real ones of the fresh tenant (see credential-rewrite.ts).
import { ControlClient, type ControlAnswer } from '../control/client.ts';

/** Bodies stay `unknown` until read through `expectJson` (a spec type) or `problemOf` (narrowed). */
export type SandboxAnswer = ControlAnswer<unknown>;

export class SandboxSessionError extends Error {}

export interface SessionOptions {
  /** Base URL of the sandbox, e.g. http://127.0.0.1:4300. */
  url: string;
  /** Empty or missing: env SANDBOX_ADMIN_TOKEN, then the default (resolveAdminToken). */
  adminToken?: string;
  fetch?: typeof fetch;
  /** Tenant name, to recognise verification tenants in GET /__sandbox/tenants. */
  name?: string;
}

export class SandboxSession {
  readonly url: string;
  readonly tenantId: string;
  readonly apiKey: string;
  /** Consumer-side values (API keys, OAuth client ids, secrets, tokens) → this tenant's real ones. */
  readonly aliases = new Map<string, string>();
  /** Bearer tokens a provider state declared invalid: passed on untouched, so the sandbox refuses them. */
  readonly invalidKeys = new Set<string>();
  /** OAuth clients created for the pact's client ids (consumer client id → real credentials). */
  readonly oauthClients = new Map<string, { client_id: string; client_secret: string }>();
  /** Values the states of the current interaction provide (order_id, force_token, …). */
  provided: Record<string, unknown> = {};
  /** What the states of the current interaction did, for the report. */
  notes: string[] = [];

  private constructor(
    private readonly controlApi: ControlClient,
    private readonly fetchFn: typeof fetch,
    tenant: { tenant_id: string; api_key: string },
  ) {
    this.url = controlApi.url;
    this.tenantId = tenant.tenant_id;
    this.apiKey = tenant.api_key;
  }

  /** Creates the run's fresh tenant. */
  static async open(options: SessionOptions): Promise<SandboxSession> {
    const controlApi = new ControlClient({ url: options.url, adminToken: options.adminToken, fetch: options.fetch });
    const tenant = await controlApi.createTenant(options.name ?? `pact verification ${new Date().toISOString()}`);
    return new SandboxSession(controlApi, options.fetch ?? fetch, tenant);
  }

  /**
   * Puts the tenant back to a known world before an interaction: its fixture, a clock that stands
   * still (so the marketplace makes no move of its own mid-interaction) and the default rate limits.
   */
  async beginInteraction(): Promise<void> {
    this.aliases.clear();
    this.invalidKeys.clear();
    this.oauthClients.clear();
    this.provided = {};
    this.notes = [];
    await this.expect(200, 'POST', '/__sandbox/reset', { tenant_id: this.tenantId });
    await this.expect(200, 'PUT', '/__sandbox/clock', { tenant_id: this.tenantId, mode: 'manual' });
    await this.expect(200, 'PUT', `/__sandbox/tenants/${this.tenantId}/rate-limits`, {});
  }

  /** A control-API call (admin token). */
  control(method: string, path: string, body?: unknown): Promise<SandboxAnswer> {
    return this.controlApi.request<unknown>(method, path, body);
  }

  /** A partner-API call with the tenant's key (or another bearer token). */
  partner(method: string, path: string, body?: unknown, key: string = this.apiKey): Promise<SandboxAnswer> {
    return this.send(method, path, { authorization: `Bearer ${key}` }, body);
  }

  /** A form post, e.g. to /oauth/token. */
  form(path: string, fields: Record<string, string>): Promise<SandboxAnswer> {
    return this.send('POST', path, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(fields).toString());
  }

  /** A call that must answer `status`; anything else is a SandboxSessionError naming the call and the answer. */
  async expect(status: number | number[], method: string, path: string, body?: unknown, key?: string): Promise<SandboxAnswer> {
    const answer = path.startsWith('/__sandbox') ? await this.control(method, path, body) : await this.partner(method, path, body, key);
    const wanted = Array.isArray(status) ? status : [status];
    if (!wanted.includes(answer.status)) throw new SandboxSessionError(`${method} ${path} answered ${answer.status}${refusal(answer.body)}`);
    return answer;
  }

  /**
   * The JSON body of a call that must answer `status`, as the spec documents it (`T`, a type from
   * src/contract/generated/). The in-process sandbox runs in strict mode, so its answers are checked
   * against the spec; a sandbox at --url that answers without a JSON object is named here.
   */
  async expectJson<T extends object>(status: number, method: string, path: string, body?: unknown, key?: string): Promise<T> {
    const answer = await this.expect(status, method, path, body, key);
    if (!answer.body || typeof answer.body !== 'object') {
      throw new SandboxSessionError(`${method} ${path} answered ${answer.status} without a JSON body (${JSON.stringify(answer.body ?? '').slice(0, 120)}): is ${this.url} a marketplace-sandbox?`);
    }
    return answer.body as T;
  }

  private async send(method: string, path: string, headers: Record<string, string>, body: unknown): Promise<SandboxAnswer> {
    const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      if (typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await this.fetchFn(this.url + path, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

/** What a refused call's body says: problem+json (`code`, `detail`), an OAuth error (`error_description`). */
export interface Refusal {
  code?: string;
  detail?: string;
  error_description?: string;
  force_token?: string;
}

/** The members of a problem or OAuth error body that are strings; {} for any other body. */
export function problemOf(body: unknown): Refusal {
  if (!body || typeof body !== 'object') return {};
  const out: Refusal = {};
  for (const key of ['code', 'detail', 'error_description', 'force_token'] as const) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** " code: detail" of a refused call, for error messages. */
export function refusal(body: unknown): string {
  const problem = problemOf(body);
  const detail = problem.detail ?? problem.error_description ?? JSON.stringify(body ?? '');
  return `${problem.code ? ` ${problem.code}` : ''}: ${detail}`;
}
