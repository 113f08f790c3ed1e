// RFC 9457 problem details: the one error shape of the whole sandbox.
// Anything that goes wrong, anywhere, becomes a Problem with a stable machine `code`.
import { jsonString } from '../domain/json-string.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  pointer: string; // JSON pointer into the request: /body/items/3/price, /query/limit
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A problem to answer with. Throw it from anywhere in the pipeline, a handler or a policy.
 * It is an Error to everything that asks (`instanceof Error`: hono's error handler and the policy
 * runner take Errors) but it is not made by Error's constructor, so it has no stack trace: a
 * problem is an answer, not a bug, and making an Error (even one that captures no stack) was the
 * larger part of building a 404 or 429, the very answers a connector in a retry storm gets by the
 * thousand.
 */
export interface Problem extends Error {}
export class Problem {
  readonly name = 'Problem';
  readonly message: string;
  readonly status: number;
  readonly body: ProblemBody;
  readonly headers: Record<string, string>;
  /** Practice notes for the request journal (like Reply.notes); never sent. */
  notes: string[] | null = null;
  /** The body's JSON text, made by the first problemPayload (a problem answered again reuses it). */
  bodyJson: string | undefined = undefined;

  constructor(
    status: number,
    code: string,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    this.message = detail;
    this.status = status;
    this.headers = headers;
    this.body = {
      type: `/problems/${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
      ...extra,
    };
  }
}
Object.setPrototypeOf(Problem.prototype, Error.prototype);

/** The problem with a practice note for the request journal (see Reply.notes). */
export function noted(problem: Problem, note: string): Problem {
  (problem.notes ??= []).push(note);
  return problem;
}

export const notFound = (what: string, id: string): Problem =>
  new Problem(404, 'not_found', `${what} ${id} does not exist for this tenant.`, { resource_id: id });

/** A control-API call naming a tenant the sandbox does not have. */
export const tenantNotFound = (id: string): Problem =>
  new Problem(404, 'not_found', `There is no tenant ${id}; GET /__sandbox/tenants lists the tenants.`, { resource_id: id });

export const conflict = (code: string, detail: string, extra: Record<string, unknown> = {}): Problem =>
  new Problem(409, code, detail, extra);

export const invalid = (errors: FieldError[], detail?: string): Problem =>
  new Problem(
    400,
    'validation_failed',
    detail ?? `The request is invalid: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}.`,
    { errors },
  );

/**
 * The JSON text of a problem answer: its body, the request path as `instance` and the request id
 * a partner quotes in a support question.
 */
export function problemPayload(problem: Problem, instance?: string, requestId?: string): string {
  const body = problem.body;
  const json = (problem.bodyJson ??= JSON.stringify(body));
  if ((!instance && !requestId) || 'instance' in body || 'request_id' in body) {
    return instance || requestId ? JSON.stringify({ ...body, ...(instance ? { instance } : {}), ...(requestId ? { request_id: requestId } : {}) }) : json;
  }
  // The members appended to the body's JSON text rather than to a copy of the body: an error
  // answer is a hot path too (a connector in a retry storm), and the copy cost more than the text.
  return `${json.slice(0, -1)}${instance ? `,"instance":${jsonString(instance)}` : ''}${requestId ? `,"request_id":${jsonString(requestId)}` : ''}}`;
}

/**
 * The answer for a problem. `headers` (the policies' plain record, when the pipeline has one) is
 * used as it is and the problem's own headers win over it: an answer built with a plain record is
 * written on Node's fast path (src/server/README.md, "Hot-path rules").
 */
export function problemResponse(problem: Problem, instance?: string, requestId?: string, headers?: Record<string, string>): Response {
  return problemAnswer(problem, problemPayload(problem, instance, requestId), headers);
}

/** The answer for a problem whose payload (problemPayload) is made already. */
export function problemAnswer(problem: Problem, payload: string, headers?: Record<string, string>): Response {
  const into = headers ?? {};
  for (const name in problem.headers) into[name] = problem.headers[name]!;
  into['content-type'] = PROBLEM_CONTENT_TYPE;
  return new Response(payload, { status: problem.status, headers: into });
}
