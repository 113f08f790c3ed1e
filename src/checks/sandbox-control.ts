// The checks' view of the sandbox control API (/__sandbox, admin token): a fresh tenant to measure
// with, its rate limits lifted so an SLA run measures latency rather than throttling, fault rules,
// and the tenants' keys (for the webhook delivery log).
export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface FreshTenant {
  tenant_id: string;
  api_key: string;
}

export interface TenantSummary {
  tenant_id: string;
  name: string;
  api_keys: string[];
}

/** Rate-limit body that lifts every limit far above anything a bounded check run sends. */
export function unthrottledLimits(groups: string[]): Record<string, unknown> {
  return {
    plan: 'enterprise',
    daily_quota: 100_000_000,
    burst_per_minute: 10_000_000,
    groups: Object.fromEntries(groups.map((g) => [g, 10_000_000])),
  };
}

export class SandboxControl {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
  ) {}

  async createTenant(name: string): Promise<FreshTenant> {
    const body = await this.call<FreshTenant>('POST', '/__sandbox/tenants', { name });
    return { tenant_id: body.tenant_id, api_key: body.api_key };
  }

  async listTenants(): Promise<TenantSummary[]> {
    return (await this.call<{ data: TenantSummary[] }>('GET', '/__sandbox/tenants')).data;
  }

  /**
   * Lifts the tenant's limits. Answers false when the sandbox has no rate-limit endpoint (a
   * version without rate limiting, where there is nothing to lift).
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

  /** Replaces the tenant's fault rules (see the control API's PUT /__sandbox/faults). */
  async setFaults(tenantId: string, rules: unknown[], seed?: number): Promise<unknown> {
    return this.call('PUT', '/__sandbox/faults', { tenant_id: tenantId, rules, ...(seed === undefined ? {} : { seed }) });
  }

  async clearFaults(tenantId: string): Promise<void> {
    await this.call('DELETE', `/__sandbox/faults?tenant_id=${encodeURIComponent(tenantId)}`);
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.adminToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ControlApiError(`The control API at ${url.origin} is unreachable: ${(error as Error).message}`, null);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const problem = JSON.parse(text);
        detail = problem.detail ?? detail;
      } catch {
        // keep the raw text
      }
      const hint = res.status === 401 ? ' Pass the admin token with --admin-token or SANDBOX_ADMIN_TOKEN.' : '';
      throw new ControlApiError(`${method} ${url.pathname} answered ${res.status}: ${detail}${hint}`, res.status);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
