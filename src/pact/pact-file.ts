// Pact files as plain data, whatever their specification version (v2, v3 or v4): who the parties
// are, and each interaction's provider states, request/response (HTTP) or contents (messages).
// Used to plan a verification (states to set up, messages to produce), to cross-check a pact
// against the OpenAPI contract, and to write a pact without the interactions that cannot run.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProviderState {
  name: string;
  params: Record<string, unknown>;
}

export interface PactHttpRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** Header names in lower case. */
  headers: Record<string, string[]>;
  /** Parsed JSON, the fields of a form body, the text of anything else; undefined without a body. */
  body: unknown;
  contentType: string | null;
}

export interface PactHttpResponse {
  status: number;
  headers: Record<string, string[]>;
  body: unknown;
  contentType: string | null;
}

export interface PactInteraction {
  description: string;
  states: ProviderState[];
  kind: 'http' | 'message';
  request?: PactHttpRequest;
  response?: PactHttpResponse;
  message?: { content: unknown; metadata: Record<string, unknown> };
  /** Provider-state expressions the interaction expects values for (`${order_id}` → order_id). */
  injected: string[];
  /** The interaction as it is in the file. */
  raw: PactRecord;
}

export interface PactDocument {
  source: string;
  consumer: string;
  provider: string;
  /** '2.0.0', '3.0.0', '4.0', … as the file says. */
  specification: string;
  interactions: PactInteraction[];
  raw: PactRecord;
}

/** A JSON object of a pact file, as read: its members are narrowed where they are used. */
export type PactRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is PactRecord {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

const recordAt = (value: unknown): PactRecord => (isRecord(value) ? value : {});
const listAt = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export class PactFileError extends Error {}

/** A pact file, every `*.json` of a directory, or a pact served at an http(s) URL. */
export async function loadPacts(location: string, fetchFn: typeof fetch = fetch): Promise<PactDocument[]> {
  if (/^https?:\/\//i.test(location)) {
    const response = await fetchFn(location, { headers: { accept: 'application/json, application/hal+json' } }).catch((error: Error) => {
      throw new PactFileError(`${location}: ${error.message}`);
    });
    if (!response.ok) throw new PactFileError(`${location} answered ${response.status}; expected a pact file.`);
    return [parsePact(await response.text(), location)];
  }
  const info = await stat(location).catch(() => {
    throw new PactFileError(`${location} does not exist: give a pact file, a directory of pact files or an http(s) URL.`);
  });
  if (info.isDirectory()) {
    const files = (await readdir(location)).filter((f) => f.endsWith('.json')).sort();
    if (files.length === 0) throw new PactFileError(`${location} holds no *.json pact files.`);
    return Promise.all(files.map(async (f) => parsePact(await readFile(join(location, f), 'utf8'), join(location, f))));
  }
  return [parsePact(await readFile(location, 'utf8'), location)];
}

export function parsePact(text: string, source: string): PactDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PactFileError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const consumer = isRecord(raw) ? recordAt(raw.consumer).name : undefined;
  const provider = isRecord(raw) ? recordAt(raw.provider).name : undefined;
  if (!isRecord(raw) || typeof consumer !== 'string' || !consumer || typeof provider !== 'string' || !provider) {
    throw new PactFileError(`${source} is not a pact file: it needs consumer.name and provider.name.`);
  }
  const meta = recordAt(raw.metadata);
  const version = recordAt(meta.pactSpecification).version ?? recordAt(meta['pact-specification']).version ?? meta.pactSpecificationVersion ?? '2.0.0';
  const interactions: PactInteraction[] = [];
  for (const item of listAt(raw.interactions)) interactions.push(parseInteraction(item, source));
  // v3 message pacts keep their messages apart.
  for (const item of listAt(raw.messages)) interactions.push(parseInteraction(isRecord(item) ? { ...item, type: 'Asynchronous/Messages' } : item, source, item));
  if (interactions.length === 0) throw new PactFileError(`${source} has no interactions.`);
  return { source, consumer, provider, specification: String(version), interactions, raw };
}

/** `raw` is the object as it is in the file (a v3 message's, before its type was added). */
function parseInteraction(item: unknown, source: string, raw: unknown = item): PactInteraction {
  if (!isRecord(item) || typeof item.description !== 'string') throw new PactFileError(`${source}: an interaction has no description.`);
  const description = item.description;
  const states: ProviderState[] = Array.isArray(item.providerStates)
    ? item.providerStates.map((state: unknown) => ({ name: String(recordAt(state).name), params: recordAt(recordAt(state).params) }))
    : typeof item.providerState === 'string' && item.providerState
      ? [{ name: item.providerState, params: {} }]
      : [];
  const request = isRecord(item.request) ? item.request : null;
  const response = isRecord(item.response) ? item.response : null;
  const injected = [...new Set([...JSON.stringify(request?.generators ?? {}).matchAll(/\$\{([A-Za-z0-9_.-]+)\}/g)].map((m) => m[1]!))];
  const isMessage = item.type === 'Asynchronous/Messages' || item.type === 'Synchronous/Messages' || (!request && ('contents' in item || 'metaData' in item || 'metadata' in item));
  const kept = isRecord(raw) ? raw : item;
  if (isMessage) {
    return {
      description,
      states,
      kind: 'message',
      message: { content: messageContent(item.contents), metadata: recordAt(item.metadata ?? item.metaData) },
      injected,
      raw: kept,
    };
  }
  if (!request || !response) throw new PactFileError(`${source}: interaction "${description}" has no request or response.`);
  const requestHeaders = lowerHeaders(request.headers);
  const responseHeaders = lowerHeaders(response.headers);
  const requestType = contentTypeOf(request.body, requestHeaders);
  const responseType = contentTypeOf(response.body, responseHeaders);
  return {
    description,
    states,
    kind: 'http',
    request: {
      method: String(request.method ?? 'GET').toUpperCase(),
      path: String(request.path ?? '/'),
      query: parseQuery(request.query),
      headers: requestHeaders,
      body: bodyValue(request.body, requestType),
      contentType: requestType,
    },
    response: {
      status: Number(response.status ?? 200),
      headers: responseHeaders,
      body: bodyValue(response.body, responseType),
      contentType: responseType,
    },
    injected,
    raw: kept,
  };
}

/** v2: "a=1&b=2"; v3/v4: {a: ["1"]}. */
function parseQuery(query: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof query === 'string') {
    for (const [key, value] of new URLSearchParams(query)) (out[key] ??= []).push(value);
  } else if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query)) out[key] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return out;
}

/** v2/v3: {Name: "v"} (comma-joined); v4: {Name: ["v"]}. */
function lowerHeaders(headers: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    (out[name.toLowerCase()] ??= []).push(...values);
  }
  return out;
}

function isV4Body(body: unknown): body is { content: unknown; contentType?: string; encoded?: string | boolean } {
  return !!body && typeof body === 'object' && !Array.isArray(body) && 'content' in body && ('contentType' in body || 'encoded' in body);
}

/** The declared Content-Type header wins: v4 bodies record application/json for any JSON body, problem+json included. */
function contentTypeOf(body: unknown, headers: Record<string, string[]>): string | null {
  const header = headers['content-type']?.[0];
  if (header) return header;
  if (isV4Body(body) && body.contentType) return body.contentType;
  return body === undefined ? null : 'application/json';
}

function bodyValue(body: unknown, contentType: string | null): unknown {
  if (body === undefined || body === null) return body ?? undefined;
  let content = isV4Body(body) ? body.content : body;
  if (isV4Body(body) && body.encoded && typeof content === 'string') {
    const text = Buffer.from(content, 'base64').toString('utf8');
    content = text;
    if (contentType && /json/i.test(contentType)) {
      try {
        content = JSON.parse(text);
      } catch {
        // keep the text
      }
    }
  }
  if (typeof content === 'string' && contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(content)) {
      const existing = form[key];
      form[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return form;
  }
  return content;
}

function messageContent(contents: unknown): unknown {
  if (isV4Body(contents)) return bodyValue(contents, contents.contentType ?? 'application/json');
  return contents;
}

/**
 * The regular expressions the interaction's response headers are matched with, by header name in
 * lower case: v2 rules (`"$.headers.Name": {match: "regex", regex}`) and v3/v4 rules
 * (`header: {Name: {matchers: [{match: "regex", regex}]}}`).
 */
export function responseHeaderRegexes(interaction: PactInteraction): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, rule: unknown) => {
    const regex = recordAt(rule).regex;
    if (typeof regex === 'string' && (recordAt(rule).match ?? 'regex') === 'regex') out.set(name.toLowerCase(), [...(out.get(name.toLowerCase()) ?? []), regex]);
  };
  const rules = recordAt(recordAt(interaction.raw.response).matchingRules);
  for (const [key, rule] of Object.entries(rules)) {
    const v2 = /^\$\.headers?(?:\.([^.[\]]+)|\['([^']+)'\])$/.exec(key);
    if (v2) add(v2[1] ?? v2[2]!, rule);
  }
  for (const [name, rule] of Object.entries(recordAt(rules.header))) for (const matcher of listAt(recordAt(rule).matchers)) add(name, matcher);
  return out;
}

/** The same pact with only some of its interactions, as a pact file text. */
export function pactWithout(doc: PactDocument, keep: (interaction: PactInteraction) => boolean): string {
  const kept = new Set<unknown>(doc.interactions.filter(keep).map((i) => i.raw));
  const raw = { ...doc.raw };
  if (Array.isArray(raw.interactions)) raw.interactions = raw.interactions.filter((i: unknown) => kept.has(i));
  if (Array.isArray(raw.messages)) raw.messages = raw.messages.filter((i: unknown) => kept.has(i));
  return JSON.stringify(raw, null, 2);
}
