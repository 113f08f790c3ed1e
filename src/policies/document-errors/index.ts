// A --spec document's error answers in the document's own shape. The sandbox's problems (a
// validation error with its pointers, a 404, a 401, a 429) keep every field of the problem and
// are answered as the media type the document gives that status (exactly, as 4XX, or as
// `default`), with the fields its error schema requires filled in from the problem by name
// (message ← detail, code/error/id ← code, request_id, status). A client written from the
// document then reads its errors as documented; a problem that still would not fit (an error
// schema that forbids other fields) is answered as the document's fields alone, and where even
// that does not fit, as the sandbox's problem+json.
import type { ValidateFunction } from 'ajv';
import { findResponse, type Operation } from '../../contract/operations.ts';
import { mergedAllOf, type Resolve } from '../../domain/schema-fake.ts';
import type { OperationValidators } from '../../contract/validators.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { PROBLEM_CONTENT_TYPE } from '../../server/problem.ts';

type Fields = Record<string, unknown>;

/** Which problem field fills a document's error field, by the field's name. */
const FROM_PROBLEM: [RegExp, (p: Fields) => unknown][] = [
  [/^(message|detail|details|description|error_?description|error_?message|reason|msg)$/i, (p) => p.detail],
  [/^(code|error_?code|error|id|type|kind)$/i, (p) => p.code],
  [/^(title|summary)$/i, (p) => p.title],
  [/^(status|status_?code|http_?status|statuscode)$/i, (p) => p.status],
  [/^(request_?id|trace_?id|correlation_?id)$/i, (p) => p.request_id],
  [/^(errors|violations|fields|invalid_?params|messages)$/i, (p) => p.errors],
];

/** `validators` are the mounted document's (compiled at mount, so asked for at the answer); `resolve` follows its $refs. */
export function documentErrors(validators: () => Map<string, OperationValidators>, resolve: Resolve): Policy {
  return {
    name: 'document-errors',
    appliesTo: (op) => op.responses.some((r) => r.status === 'default' || /^[45]/.test(r.status)),
    after: (c) => {
      if (!c.res.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) return;
      return reshaped(c, c.get('operation'), validators(), resolve);
    },
  };
}

async function reshaped(c: RequestContext, op: Operation, validators: Map<string, OperationValidators>, resolve: Resolve): Promise<void> {
  const documented = findResponse(op, c.res.status);
  const mediaType = documented ? Object.keys(documented.content).find((type) => /json/i.test(type)) : undefined;
  if (!documented || !mediaType) return;
  const validate = validators.get(op.operationId)?.responses.get(`${documented.status} ${mediaType}`);
  if (!validate) return;
  const problem = (await c.res.clone().json().catch(() => null)) as Fields | null;
  if (!problem) return;
  const schema = mergedAllOf(resolve(documented.content[mediaType]), resolve);
  const own = documentFields((schema.properties as Fields | undefined) ?? {}, Array.isArray(schema.required) ? (schema.required as string[]) : [], resolve, problem);
  const body = pick(validate, { ...problem, ...own }, own);
  if (!body) return;
  const headers = new Headers(c.res.headers);
  headers.set('content-type', mediaType);
  c.res = new Response(JSON.stringify(body), { status: c.res.status, headers });
}

/** The first candidate the document's schema takes. */
function pick(validate: ValidateFunction, ...candidates: Fields[]): Fields | undefined {
  return candidates.find((candidate) => validate(candidate));
}

/**
 * The error schema's own properties, filled from the problem where their names say what they
 * hold, and what it requires besides by its type (a list of messages, the detail, the status).
 */
function documentFields(properties: Fields, required: string[], resolve: Resolve, problem: Fields): Fields {
  const out: Fields = {};
  const messages = ((problem.errors as { pointer?: string; message?: string }[] | undefined) ?? []).map((e) => `${e.pointer ?? ''} ${e.message ?? ''}`.trim());
  for (const [name, property] of Object.entries(properties)) {
    const p = resolve(property);
    const named = FROM_PROBLEM.find(([pattern]) => pattern.test(name))?.[1](problem);
    if (named === undefined && !required.includes(name)) continue;
    out[name] = asType(named ?? (p.type === 'array' ? (messages.length ? messages : [problem.detail]) : p.type === 'string' ? problem.detail : undefined), p, problem, messages);
    if (out[name] === undefined) delete out[name];
  }
  return out;
}

/** A problem's value as the document's field type. */
function asType(value: unknown, p: Fields, problem: Fields, messages: string[]): unknown {
  switch (p.type) {
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : problem.status; // a numeric code is the HTTP status (Petstore's Error)
    case 'string':
      return typeof value === 'string' ? value : Array.isArray(value) ? messages.join('; ') : value === undefined ? undefined : String(value);
    case 'array':
      if (!Array.isArray(value)) return [String(value)];
      return (p.items as Fields | undefined)?.type === 'string' ? value.map((v) => (typeof v === 'string' ? v : `${(v as Fields).pointer ?? ''} ${(v as Fields).message ?? ''}`.trim())) : value;
    case 'boolean':
      return false;
    case 'object':
      return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    default:
      return value;
  }
}
