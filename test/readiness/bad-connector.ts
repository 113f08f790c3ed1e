// A deliberately bad connector, the fixture the readiness rules must catch: it polls the
// unconfirmed orders every second, asks for a new OAuth token before every request, pushes
// availability one item at a time with values the marketplace already has, retries at once
// whatever Retry-After says, and never confirms an order. It stops after `durationMs`.
export interface BadConnectorOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  durationMs: number;
  /** Ids of products whose availability it pushes back unchanged, one call each. */
  productIds: string[];
}

export async function runBadConnector(o: BadConnectorOptions): Promise<{ requests: number }> {
  let requests = 0;
  const token = async (): Promise<string> => {
    requests++;
    const res = await fetch(`${o.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const bearer = await token(); // a token per request
    for (let attempt = 0; attempt < 3; attempt++) {
      requests++;
      const res = await fetch(`${o.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status !== 429 && res.status < 500) return { status: res.status, body: text ? JSON.parse(text) : null }; // 429 or 5xx: again, at once
    }
    return { status: 599, body: null };
  };
  const ends = Date.now() + o.durationMs;
  while (Date.now() < ends) {
    await call('GET', '/api/v2/orders/unconfirmed?limit=50');
    for (const id of o.productIds) {
      const product = (await call('GET', `/api/v2/products/${id}`)).body as { availability: { status: 'active' | 'inactive'; in_stock: number } };
      await call('POST', '/api/v2/availability', { items: [{ id, status: product.availability.status, in_stock: product.availability.in_stock }] });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { requests };
}
