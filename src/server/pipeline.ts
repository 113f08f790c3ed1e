// Mounts an OpenAPI document on a hono app: one route per operation, in the order
//   policies ─▶ contract in (validate + coerce) ─▶ handler or Prism ─▶ contract out (strict mode)
// Everything expensive (operation index, ajv validators, Prism operations) is built here, once.
import type { ServerResponse } from 'node:http';
import type { Hono } from 'hono';
import { findResponse, listOperations, type OpenApiDocument, type Operation } from '../contract/operations.ts';
import { compileAll, compileValidators, isJsonMediaType, toFieldErrors, type OperationValidators } from '../contract/validators.ts';
import { itemLimitProblem } from '../contract/item-limits.ts';
import { createPrismFallback, type PrismFallback } from '../contract/prism-fallback.ts';
import type { SandboxEnv } from './env.ts';
import type { HandlerContext, HandlerRegistry, OperationInput, Reply } from './handler.ts';
import { policiesFor, policyChain, type AnswerError, type Policy, type RequestContext, type ServeOperation } from './policy.ts';
import { invalid, Problem, PROBLEM_CONTENT_TYPE, problemResponse } from './problem.ts';

export interface MountOptions {
  doc: OpenApiDocument;
  /** Also serve every operation under this path (a foreign document's `servers[0]` path: "/v1"). */
  basePath?: string;
  handlers: HandlerRegistry;
  /** A request with Prism's Prefer (code=, example=, dynamic=) is answered by Prism even where a handler serves the operation. */
  preferMocks?: boolean;
  /**
   * Policies every answer goes through, outermost, in order (security headers, body size): what
   * they answer is not checked against the document by strict mode.
   */
  frame?: Policy[];
  /** Policies run before the contract, in order (auth, rate limits, faults, …); src/server/policy.ts. */
  policies: Policy[];
  /** Builds the handler's view of the world for one request (tenant, clock, store, events). */
  context(c: RequestContext): HandlerContext;
  /** Validate every response against the document; a mismatch becomes a 500 response_contract_violation. */
  strict: boolean;
  /**
   * Whether the document describes the sandbox's own problem answers (validation, auth, 415, …).
   * True for the sandbox's specs; false for a foreign document served with --spec, whose authors
   * could not know them: strict mode then checks only what the document does describe.
   */
  documentsProblems?: boolean;
  /**
   * Compile validators on first use (or on `compileAll`) instead of now: for the shipped
   * documents, which the tests compile whole. A foreign document's are compiled at once, so a
   * schema ajv cannot read fails the start, not a request. Prism is always loaded later.
   */
  compileLater?: boolean;
  /** The app's error handler: an operation's chain turns an error into its answer with it (as app.onError would). */
  onError: AnswerError;
}

export interface MountedContract {
  operations: Operation[];
  validators: Map<string, OperationValidators>;
  /** Operations answered by Prism because no handler is registered for them. */
  mocked: string[];
  /** Methods served at a concrete path, for 405 answers: null when no route has that path. */
  allowedMethods(path: string): string[] | null;
  /** Finishes what `compileLater` left for later, off the request path. */
  compileAll(): Promise<void>;
  /** Stops Prism's worker thread, if it started. */
  close(): Promise<void>;
}

export async function mountContract(app: Hono<SandboxEnv>, options: MountOptions): Promise<MountedContract> {
  const operations = listOperations(options.doc);
  const base = options.basePath ?? '';
  const validators = compileValidators(options.doc, operations, { lazy: options.compileLater });
  const mocked = operations.filter((op) => !options.handlers[op.operationId]).map((op) => op.operationId);
  // Prism reads a document after the server listens (compileAll) or on the first mocked request:
  // for a large document that is seconds (3 s for 659 operations), and the document's own checks
  // (the validators, compiled now for a foreign one) have already passed.
  const prism = mocked.length > 0 || options.preferMocks ? await createPrismFallback(options.doc, { lazy: true }) : null;

  const contract = options.strict ? [responseContract(validators, options.documentsProblems ?? true)] : [];
  for (const op of operations) {
    const policies = policiesFor(op, [...(options.frame ?? []), ...contract, ...options.policies]);
    const serve = serveOperation(op, validators.get(op.operationId)!, options, prism);
    const chain = policyChain(op, policies, serve, options.onError);
    app.on(op.method.toUpperCase(), op.routePath, chain);
    if (base) app.on(op.method.toUpperCase(), `${base}${op.routePath}`, chain);
  }

  const patterns = operations.map((op) => ({
    method: op.method.toUpperCase(),
    regex: new RegExp(`^(${literally(base)})?${literally(op.path).replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
  }));
  return {
    operations,
    validators,
    mocked,
    allowedMethods(path) {
      const methods = patterns.filter((p) => p.regex.test(path)).map((p) => p.method);
      return methods.length ? [...new Set(methods)] : null;
    },
    async compileAll() {
      await compileAll(validators);
      await prism?.ready();
    },
    close: async () => prism?.close(),
  };
}

function serveOperation(
  op: Operation,
  v: OperationValidators,
  options: MountOptions,
  prism: PrismFallback | null,
): ServeOperation {
  const handler = options.handlers[op.operationId];
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');

  // Not async: an operation without a request body whose handler answers synchronously (most
  // reads) is served without a promise; the rest waits for the body or the handler.
  return (c, answerHeaders) => {
    // Contract in: parameters (coerced in place), then the body.
    const query: Record<string, string | string[]> = {};
    for (const p of queryParams) {
      if (p.isArray) {
        const values = c.req.queries(p.name);
        if (values) query[p.name] = values.flatMap((value) => value.split(','));
      } else {
        const value = c.req.query(p.name);
        if (value !== undefined) query[p.name] = value;
      }
    }
    const headers: Record<string, string> = {};
    for (const p of headerParams) {
      const value = c.req.header(p.name);
      if (value !== undefined) headers[p.name] = value;
    }
    const parts = { path: c.req.param() as Record<string, string>, query, headers };
    if (v.params && !v.params(parts)) return invalid(toFieldErrors(v.params.errors, ''));

    if (op.body) return readBody(c, op, v).then((body) => rejectedIfProblem(answer(c, parts, body, answerHeaders)));
    return answer(c, parts, undefined, answerHeaders);
  };

  function answer(
    c: RequestContext,
    parts: { path: Record<string, string>; query: Record<string, string | string[]>; headers: Record<string, string> },
    body: unknown,
    answerHeaders: Record<string, string>,
  ): Response | Problem | Promise<Response> {
    const input: OperationInput = { operation: op, path: parts.path, query: parts.query, headers: parts.headers, body, contentType: body === undefined ? undefined : c.req.header('content-type') };
    // An operation without a handler is mocked, and Prism exists whenever one is (mountContract).
    const mocks = !handler || (options.preferMocks && PRISM_PREFER.test(c.req.header('prefer') ?? ''));
    const reply: Reply | Problem | Promise<Reply> = mocks ? mockWithPrism(c, op, prism!, input, options.basePath ?? '') : handler(input, options.context(c), c);
    if (reply instanceof Problem) return reply; // returned rather than thrown: the runner answers it as an error
    return reply instanceof Promise ? reply.then((r) => finish(r, c, answerHeaders)) : finish(reply, c, answerHeaders);
  }
}

/** Inside a promise a returned Problem becomes a rejection, as a thrown one would (no deep stack to unwind there). */
function rejectedIfProblem(res: Response | Problem | Promise<Response>): Response | Promise<Response> {
  if (res instanceof Problem) throw res;
  return res;
}

function finish(reply: Reply, c: RequestContext, answerHeaders: Record<string, string>): Response {
  if (reply.notes?.length) c.set('notes', reply.notes);
  return toResponse(reply, c, answerHeaders);
}

async function readBody(c: RequestContext, op: Operation, v: OperationValidators): Promise<unknown> {
  const declared = Object.keys(op.body!.content);
  const contentType = c.req.header('content-type');
  const raw = await c.req.text();
  if (raw.length === 0) {
    if (op.body!.required) {
      throw new Problem(400, 'body_required', `${op.operationId} needs a request body (${declared.join(' or ')}).`, {
        errors: [{ pointer: '/body', message: 'is required' }],
      });
    }
    return undefined;
  }
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const mediaType = declared.find((type) => type.toLowerCase() === base);
  if (!mediaType) {
    throw new Problem(
      415,
      'unsupported_media_type',
      `Content-Type ${contentType ? `"${contentType}"` : '(none)'} is not accepted by ${op.operationId}; send ${declared.join(' or ')}.`,
      { accepted: declared },
    );
  }
  let body: unknown;
  if (isJsonMediaType(mediaType)) {
    try {
      body = JSON.parse(raw);
    } catch (error) {
      throw new Problem(400, 'malformed_json', `The request body is not valid JSON: ${(error as Error).message}.`, {
        errors: [{ pointer: '/body', message: 'is not valid JSON' }],
      });
    }
  } else if (mediaType.startsWith('application/x-www-form-urlencoded')) {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      const existing = form[key];
      form[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    body = form;
  } else {
    body = raw;
  }
  const validate = v.bodies.get(mediaType);
  if (validate && !validate(body)) throw itemLimitProblem(op, validate.errors, body) ?? invalid(toFieldErrors(validate.errors, '/body'));
  return body;
}

/** `text` as a regular expression that matches exactly it. */
const literally = (text: string): string => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** What Prism reads in a Prefer header: which answer, which example, or a generated one. */
const PRISM_PREFER = /(^|[\s,;])(code|example|dynamic)=/i;

async function mockWithPrism(c: RequestContext, op: Operation, prism: PrismFallback, input: OperationInput, base: string): Promise<Reply> {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  try {
    const mock = await prism.reply(op.operationId, {
      method: op.method,
      // Prism knows the operation by the document's path, not the server's base path before it.
      path: base && c.req.path.startsWith(`${base}/`) ? c.req.path.slice(base.length) : c.req.path,
      query: input.query,
      headers,
      body: input.body,
      prefer: c.req.header('prefer'),
    });
    const contentType = mock.headers['content-type'];
    delete mock.headers['content-type'];
    return { status: mock.status, body: mock.body, headers: mock.headers, contentType };
  } catch (error) {
    // Prism explains what it cannot do (e.g. Prefer: code=418 that the document does not define).
    const e = error as { status?: number; detail?: string; message: string };
    const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 422;
    throw new Problem(status === 404 ? 422 : status, 'mock_unavailable', `Prism cannot mock ${op.operationId}: ${e.detail ?? e.message}`);
  }
}

function toResponse(reply: Reply, c: RequestContext, answerHeaders: Record<string, string>): Response {
  // The policies' headers (security, rate limits) go in with the reply's own, which win. The
  // record is this request's own, so it is used as it is when the reply brings none.
  const headers: Record<string, string> = reply.headers ? Object.assign(answerHeaders, reply.headers) : answerHeaders;
  if (reply.status === 204 || reply.status === 304 || reply.body === undefined) {
    c.set('responseBytes', 0);
    return new Response(null, { status: reply.status, headers });
  }
  const contentType = reply.contentType ?? (reply.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json');
  headers['content-type'] = contentType;
  if (reply.contentType === undefined || isJsonMediaType(contentType)) {
    const frozen = frozenJson(reply.body);
    if (frozen) {
      c.set('responseBytes', frozen.byteLength);
      return new Response(frozen, { status: reply.status, headers });
    }
  }
  // An event stream (never a JSON answer, so the common answers above do not look for one).
  if (reply.stream) {
    reply.stream.attach((c.env as { outgoing?: ServerResponse } | undefined)?.outgoing);
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    return new Response(reply.stream.body, { status: reply.status, headers });
  }
  const payload = reply.contentType === undefined || isJsonMediaType(contentType) ? JSON.stringify(reply.body) : String(reply.body);
  c.set('responseBytes', Buffer.byteLength(payload)); // for the request journal
  return new Response(payload, { status: reply.status, headers });
}

/**
 * The JSON bytes of a frozen entity, made on its first answer. Entities of a scenario's world are
 * deep-frozen and shared until a tenant changes them, which replaces them with a copy
 * (src/state/copy-on-write.ts), so their JSON can never go stale; the bytes live as long as the
 * entity. Anything not frozen (a list page, an entity a tenant changed) is serialised per answer.
 */
const frozenBodies = new WeakMap<object, Uint8Array<ArrayBuffer>>();

function frozenJson(body: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  // The cache first: Object.isFrozen walks every property of an entity, a lookup does not.
  let bytes = frozenBodies.get(body);
  if (!bytes && Object.isFrozen(body)) frozenBodies.set(body, (bytes = Buffer.from(JSON.stringify(body))));
  return bytes;
}

/**
 * Strict mode: the answer must be one the document promises, or it becomes a 500 naming the
 * break. Placed after the frame, so it checks what the policies and the handler answer.
 */
function responseContract(validators: Map<string, OperationValidators>, documentsProblems: boolean): Policy {
  return { name: 'response-contract', after: (c) => checkResponse(c, validators, documentsProblems) };
}

async function checkResponse(c: RequestContext, validators: Map<string, OperationValidators>, documentsProblems: boolean): Promise<void> {
    const op = c.get('operation');
    const v = validators.get(op.operationId)!;
    const res = c.res;
    const isProblem = res.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE) ?? false;
    // A foreign document cannot describe the sandbox's problems: where it gives the status no body (or no
    // such status), the problem's body is the sandbox's own word (document-errors shapes the rest).
    const described = findResponse(op, res.status);
    if (isProblem && !documentsProblems && (!described || Object.keys(described.content).length === 0)) return;
    const violations: { pointer: string; message: string }[] = [];
    const documented = findResponse(op, res.status);
    if (!documented) {
      violations.push({ pointer: '/status', message: `${res.status} is not a documented status` });
    } else {
      for (const [name, header] of Object.entries(documented.headers)) {
        if (header.required && !res.headers.has(name)) violations.push({ pointer: `/headers/${name}`, message: 'is required' });
      }
      const contentType = res.headers.get('content-type');
      const documentedTypes = Object.keys(documented.content);
      if (res.body !== null && contentType) {
        const base = contentType.split(';')[0]!.trim().toLowerCase();
        const mediaType = documentedTypes.find((t) => t.toLowerCase() === base);
        if (!mediaType) {
          violations.push({
            pointer: '/headers/content-type',
            message: `${base} is not documented for ${documented.status} (documented: ${documentedTypes.join(', ') || 'no body'})`,
          });
        } else {
          const validate = v.responses.get(`${documented.status} ${mediaType}`);
          if (validate) {
            const body = await res.clone().json().catch(() => Symbol.for('unparseable'));
            if (body === Symbol.for('unparseable')) violations.push({ pointer: '/body', message: 'is not valid JSON' });
            else if (!validate(body)) violations.push(...toFieldErrors(validate.errors, '/body'));
          }
        }
      } else if (documentedTypes.length > 0 && res.status !== 204) {
        violations.push({ pointer: '/body', message: `is empty but ${documentedTypes.join(', ')} is documented` });
      }
    }
    if (violations.length > 0) {
      const summary = violations.map((e) => `${e.pointer} ${e.message}`).join('; ');
      console.error(`marketplace-sandbox: response contract violation in ${op.operationId} (${res.status}): ${summary}`);
      c.res = problemResponse(
        new Problem(500, 'response_contract_violation', `The ${res.status} response of ${op.operationId} breaks the contract: ${summary}.`, {
          operation_id: op.operationId,
          response_status: res.status,
          errors: violations,
        }),
      );
    }
}
