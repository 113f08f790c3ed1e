// What the connector throws when the marketplace says no. The API answers every error as RFC 9457
// problem details with a stable `code`; the connector branches on that code, never on the text.
import type { components } from 'marketplace-sandbox/client';

export type Problem = components['schemas']['Problem'];

export class MarketplaceApiError extends Error {
  readonly status: number;
  /** Stable machine code: `invalid_transition`, `price_change_requires_confirmation`, `rate_limit_exceeded`, … */
  readonly code: string;
  readonly problem: Problem;
  /** Seconds the marketplace asked to wait (429 and some 503), when it said. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, problem: Problem, retryAfterSeconds: number | null, request: string) {
    super(`${request} answered ${status} ${problem.code}: ${problem.detail}`);
    this.name = 'MarketplaceApiError';
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An answer that is not problem details (a proxy's HTML page, an empty 502) still becomes a Problem. */
export async function readProblem(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object' && typeof body.code === 'string') return body as Problem;
  } catch {
    // not JSON: fall through
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 200) || 'no body',
    code: `http_${response.status}`,
  };
}
