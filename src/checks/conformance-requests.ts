// The requests the conformance check sends for one operation:
// - valid ones, built from what the contract shows (body examples, parameter examples) and what
//   the target knows (ids it listed), checked against the contract's own request validators;
// - a family of invalid ones derived from the first valid request, each breaking one thing a
//   partner integration gets wrong (see BreakageKind), plus no credentials, malformed JSON and a
//   wrong content type. Each says where it is broken, as a JSON pointer into the request.
import { resolveLocal, type OpenApiDocument, type Operation, type OperationParameter, type PathItem } from '../contract/operations.ts';
import { isJsonMediaType, toFieldErrors, type OperationValidators } from '../contract/validators.ts';
import type { KnownValues } from './known-values.ts';
import { SchemaSampler, type BreakageKind } from './schema-samples.ts';

export type InvalidKind = BreakageKind | 'no_credentials' | 'malformed_json' | 'wrong_content_type';

/** A request as its parts, before it is put on the wire. */
export interface RequestParts {
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** Parsed body (serialised per media type), or `raw` text sent as-is. */
  body?: unknown;
  raw?: string;
  mediaType?: string;
}

export interface ConformanceRequest {
  operationId: string;
  intent: 'valid' | 'invalid';
  /** What this request probes, for people: "valid, required parameters only". */
  label: string;
  kind?: InvalidKind;
  /** Where the request was broken: /body/items/0/in_stock, /query/limit, /path/sku. */
  brokenAt?: string;
  withCredentials: boolean;
  parts: RequestParts;
}

export interface WireRequest {
  method: string;
  /** Path and query, relative to the base URL. */
  target: string;
  headers: Record<string, string>;
  body?: string;
}

export class RequestFactory {
  readonly sampler: SchemaSampler;
  /** Things the contract itself gets wrong (an example its schema rejects), reported once. */
  readonly notes: string[] = [];

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly validators: Map<string, OperationValidators>,
    private readonly known: KnownValues,
    private readonly overrides: Record<string, unknown>,
    seed: number,
  ) {
    this.sampler = new SchemaSampler(doc, seed);
  }

  /**
   * Valid requests: one with required parameters only per known path binding (up to
   * `bindings`), and, when the operation has optional query parameters, one with all of them.
   */
  valid(op: Operation, bindings: number): ConformanceRequest[] {
    const paths = this.pathBindings(op, bindings);
    const body = this.validBody(op);
    const required = op.parameters.filter((p) => p.required && (p.in === 'query' || p.in === 'header'));
    const optional = op.parameters.filter((p) => !p.required && p.in === 'query');
    const requests = paths.map((path, i) => ({
      operationId: op.operationId,
      intent: 'valid' as const,
      label: i === 0 ? 'valid, required parameters only' : `valid, required parameters only (known ids #${i + 1})`,
      withCredentials: true,
      parts: { path, ...this.parameters(op, required), ...body },
    }));
    if (optional.length > 0) {
      requests.push({
        operationId: op.operationId,
        intent: 'valid',
        label: 'valid, every optional query parameter set',
        withCredentials: true,
        parts: { path: paths[0]!, ...this.parameters(op, [...required, ...optional]), ...body },
      });
    }
    return requests;
  }

  /** The invalid family, derived from a valid request of the operation. */
  invalid(op: Operation, valid: ConformanceRequest): ConformanceRequest[] {
    const out: ConformanceRequest[] = [];
    const base = valid.parts;
    const add = (kind: InvalidKind, brokenAt: string, description: string, parts: RequestParts, withCredentials = true) => {
      if (out.some((r) => r.kind === kind && r.brokenAt?.split('/')[1] === brokenAt.split('/')[1])) return; // one per kind and request part
      out.push({ operationId: op.operationId, intent: 'invalid', label: `invalid: ${description}`, kind, brokenAt, withCredentials, parts });
    };

    // Body members.
    const mediaType = base.mediaType;
    const schema = mediaType ? op.body?.content[mediaType] : undefined;
    if (schema !== undefined && base.body !== undefined && mediaType && isJsonMediaType(mediaType)) {
      for (const b of this.sampler.breakages(schema, base.body)) {
        add(b.kind, `/body${b.pointer}`, `${b.description} at /body${b.pointer}`, { ...base, body: b.value });
      }
    }
    // Query and header parameters: a required one left out, then bad values.
    for (const p of op.parameters.filter((p) => p.required && (p.in === 'query' || p.in === 'header'))) {
      const where = p.in === 'query' ? 'query' : 'headers';
      const parts = structuredClone(base);
      delete (parts[where] as Record<string, unknown>)[p.name];
      add('missing_required', `/${where}/${p.name}`, `left out the required ${p.in} parameter ${p.name}`, parts);
      break;
    }
    for (const p of op.parameters.filter((p) => p.in === 'query')) {
      for (const b of this.sampler.breakParameter(p.schema)) {
        const parts = structuredClone(base);
        parts.query[p.name] = b.value;
        add(b.kind, `/query/${p.name}`, `${b.description} in the query parameter ${p.name}`, parts);
      }
    }
    // A path parameter the server cannot parse or find.
    for (const p of op.parameters.filter((p) => p.in === 'path')) {
      const [b] = this.sampler.breakParameter(p.schema);
      if (!b) continue;
      const parts = structuredClone(base);
      parts.path[p.name] = b.value;
      add(b.kind, `/path/${p.name}`, `${b.description} in the path parameter ${p.name}`, parts);
      break;
    }
    // Transport-level mistakes.
    if (needsCredentials(op)) add('no_credentials', '/headers/authorization', 'no credentials', base, false);
    if (op.body && mediaType && isJsonMediaType(mediaType)) {
      add('malformed_json', '/body', 'a body that is not JSON', { ...base, body: undefined, raw: '{"conformance": ' });
    }
    if (op.body) add('wrong_content_type', '/headers/content-type', 'a text/plain body', { ...base, body: undefined, raw: 'conformance', mediaType: 'text/plain' });
    return out;
  }

  toWire(op: Operation, request: ConformanceRequest, credentials: Record<string, string>): WireRequest {
    const { parts } = request;
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(parts.path[name] ?? ''));
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(parts.query)) {
      for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
    }
    const query = search.toString();
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...parts.headers };
    if (request.withCredentials) Object.assign(headers, credentials);
    let body: string | undefined;
    if (parts.raw !== undefined) {
      body = parts.raw;
      headers['content-type'] = parts.mediaType ?? 'application/json';
    } else if (parts.body !== undefined && parts.mediaType) {
      headers['content-type'] = parts.mediaType;
      body = parts.mediaType.startsWith('application/x-www-form-urlencoded') ? toForm(parts.body) : JSON.stringify(parts.body);
    }
    return { method: op.method.toUpperCase(), target: query ? `${path}?${query}` : path, headers, body };
  }

  /** True when the operation's compiled parameter validator accepts `value` for the path parameter. */
  acceptsPathValue(op: Operation, name: string, value: string): boolean {
    const validate = this.validators.get(op.operationId)?.params;
    if (!validate) return true;
    validate({ path: { [name]: value }, query: {}, headers: {} });
    return !(validate.errors ?? []).some((e) => e.instancePath === `/path/${name}` || e.instancePath.startsWith(`/path/${name}/`));
  }

  private pathBindings(op: Operation, max: number): Record<string, string>[] {
    const accepts = (name: string, value: string) => this.acceptsPathValue(op, name, value);
    const found = this.known.bindings(op, accepts, max);
    if (found.length) return found;
    // Nothing known fills the whole path: known values one by one, else values from the schema.
    const binding: Record<string, string> = {};
    for (const p of op.parameters.filter((p) => p.in === 'path')) {
      binding[p.name] = this.known.valueFor(p.name, accepts) ?? String(this.sampler.sample(p.schema, { overrides: this.overrides }, p.name));
    }
    return [binding];
  }

  private parameters(op: Operation, params: OperationParameter[]): Pick<RequestParts, 'query' | 'headers'> {
    const query: Record<string, string | string[]> = {};
    const headers: Record<string, string> = {};
    for (const p of params) {
      const value = this.knownValue(p.name, p.schema) ?? this.sampler.sample(p.schema, { overrides: this.overrides }, p.name);
      if (p.in === 'query') query[p.name] = Array.isArray(value) ? value.map(String) : String(value);
      else headers[p.name] = String(value);
    }
    return { query, headers };
  }

  /** The contract's own body example when its schema accepts it, else a generated body. */
  private validBody(op: Operation): Pick<RequestParts, 'body' | 'mediaType'> {
    if (!op.body) return {};
    const types = Object.keys(op.body.content);
    const mediaType = types.find((t) => isJsonMediaType(t)) ?? types[0];
    if (!mediaType) return {};
    const schema = op.body.content[mediaType];
    const validate = this.validators.get(op.operationId)?.bodies.get(mediaType);
    const candidates: unknown[] = [];
    const example = this.bodyExample(op, mediaType);
    const generated = [this.sampler.sample(schema, { overrides: this.overrides }), this.sampler.sample(schema, { overrides: this.overrides, optional: true })];
    for (const candidate of example === undefined ? generated : [applyOverrides(example, this.overrides), ...generated]) {
      // Ids the target knows first (a brand it has rather than the contract's example brand).
      candidates.push(this.withKnownIds(candidate, schema), candidate);
    }
    for (const candidate of candidates) {
      // Validators may coerce form bodies in place: judge a copy.
      if (!validate || validate(structuredClone(candidate))) return { body: candidate, mediaType };
    }
    const errors = toFieldErrors(validate?.errors, '/body').map((e) => `${e.pointer} ${e.message}`);
    this.notes.push(`${op.operationId}: no schema-valid ${mediaType} body could be built from the contract (${errors.slice(0, 3).join('; ')}); its "valid" requests may be rejected.`);
    return { body: candidates[0], mediaType };
  }

  /**
   * A value the target has shown for an id-like parameter or member (its schema has a pattern):
   * a field of the same name, or a record's own id, that the pattern accepts.
   */
  private knownValue(name: string, schema: unknown): string | undefined {
    if (name in this.overrides) return undefined;
    const s = this.sampler.resolve(schema);
    const pattern: string | undefined = s.pattern ?? (s.type === 'array' ? this.sampler.resolve(s.items).pattern : undefined);
    if (!pattern) return undefined;
    const regex = new RegExp(pattern, 'u');
    return this.known.valueFor(name, (_, value) => regex.test(value));
  }

  /** The body with id-like members (pattern-constrained strings) set to values the target knows. */
  private withKnownIds(value: unknown, schema: unknown, name?: string, depth = 0): unknown {
    if (depth > 8) return value;
    const s = this.sampler.resolve(schema);
    if (Array.isArray(value)) return value.map((item) => this.withKnownIds(item, s.items ?? {}, name, depth + 1));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, member]) => [key, this.withKnownIds(member, s.properties?.[key] ?? {}, key, depth + 1)]),
      );
    }
    if (typeof value === 'string' && name !== undefined) return this.knownValue(name, s) ?? value;
    return value;
  }

  private bodyExample(op: Operation, mediaType: string): unknown {
    // A path item that is a $ref has no operations of its own here: no example, a generated body.
    const raw = (this.doc.paths?.[op.path] as PathItem | undefined)?.[op.method]?.requestBody;
    if (!raw) return undefined;
    const media = resolveLocal(this.doc, raw)?.content?.[mediaType];
    if (!media) return undefined;
    if (media.example !== undefined) return media.example;
    const first = Object.values(media.examples ?? {})[0];
    return first ? resolveLocal(this.doc, first)?.value : undefined;
  }
}

function needsCredentials(op: Operation): boolean {
  return op.security.length > 0 && !op.security.some((alternative) => Object.keys(alternative).length === 0);
}

function toForm(body: unknown): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(key, String(v));
  }
  return form.toString();
}

/** Replaces members named in `overrides` wherever they occur in an example. */
function applyOverrides(value: unknown, overrides: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => applyOverrides(v, overrides));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k in overrides ? overrides[k] : applyOverrides(v, overrides)]));
}
