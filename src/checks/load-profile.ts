// Load profiles (profiles/*.yaml): a weighted mix of request templates, and the data sets the
// templates draw ids and values from, read from the target itself before a run. This module
// parses and checks a profile, fetches its data sets and renders one concrete request at a time.
import { readFile } from 'node:fs/promises';
import { createAjv } from '../contract/ajv.ts';
import { parsePointer } from '../contract/json-pointer.ts';
import { uniformDraws, unscrambledRandom } from '../domain/random.ts';
import type { Operation } from '../contract/operations.ts';
import { toFieldErrors, type OperationValidators } from '../contract/validators.ts';
import { yamlLibrary } from '../contract/yaml-text.ts';

export interface DataSetSource {
  /** `GET /path?query` relative to the base URL. */
  from: string;
  /** JSON pointer into the answer; `*` takes every element of an array. */
  select: string;
}

export interface RequestTemplate {
  name?: string;
  operation: string;
  weight: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoadProfile {
  name: string;
  description?: string;
  data?: Record<string, DataSetSource>;
  requests: RequestTemplate[];
}

/** One request ready to send. */
export interface RenderedRequest {
  operationId: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export class ProfileError extends Error {}

const PROFILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'requests'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    data: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'select'],
        properties: {
          from: { type: 'string', pattern: '^GET /' },
          select: { type: 'string', pattern: '^(/.*)?$' },
        },
      },
    },
    requests: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['operation', 'weight', 'method', 'path'],
        properties: {
          name: { type: 'string' },
          operation: { type: 'string', minLength: 1 },
          weight: { type: 'number', exclusiveMinimum: 0 },
          method: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'head', 'post', 'put', 'patch', 'delete'] },
          path: { type: 'string', pattern: '^/' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          body: {},
        },
      },
    },
  },
} as const;

const validateProfile = createAjv({ withFormats: false, allErrors: true, strict: false }).compile(PROFILE_SCHEMA);

export async function loadProfile(file: string): Promise<LoadProfile> {
  let data: unknown;
  try {
    data = yamlLibrary().parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ProfileError(`Cannot read the profile ${file}: ${(error as Error).message}`);
  }
  if (!validateProfile(data)) {
    const problems = toFieldErrors(validateProfile.errors, '').map((e) => `${e.pointer || '/'} ${e.message}`);
    throw new ProfileError(`${file} is not a load profile:\n  ${problems.join('\n  ')}`);
  }
  const profile = data as LoadProfile;
  for (const t of profile.requests) t.method = t.method.toUpperCase();
  return profile;
}

/**
 * Every template must name an operation of the contract with its method and path, so each
 * measured request is attributed to the operation (and budget) it really exercises.
 */
export function checkProfileAgainstContract(profile: LoadProfile, operations: Operation[]): void {
  const problems: string[] = [];
  for (const [i, t] of profile.requests.entries()) {
    const op = operations.find((o) => o.operationId === t.operation);
    const label = `requests[${i}] (${t.name ?? t.operation})`;
    if (!op) {
      problems.push(`${label}: operation ${t.operation} is not in the contract`);
      continue;
    }
    if (op.method.toUpperCase() !== t.method) problems.push(`${label}: ${t.operation} is ${op.method.toUpperCase()}, the template says ${t.method}`);
    const pathOnly = t.path.split('?')[0]!;
    const regex = new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);
    if (!regex.test(pathOnly)) problems.push(`${label}: path ${pathOnly} does not match ${op.path}`);
    for (const name of placeholderSets(t)) {
      if (!profile.data?.[name]) problems.push(`${label}: uses data set "${name}", which the profile's data section does not define`);
    }
  }
  if (problems.length) throw new ProfileError(`The profile ${profile.name} does not fit the contract:\n  ${problems.join('\n  ')}`);
}

/** Rows of each data set, read from the target. */
export type DataSets = Record<string, unknown[]>;

export async function fetchDataSets(
  profile: LoadProfile,
  baseUrl: string,
  headers: () => Promise<Record<string, string>>,
  timeoutMs = 10_000,
): Promise<DataSets> {
  const sets: DataSets = {};
  for (const [name, source] of Object.entries(profile.data ?? {})) {
    const path = source.from.replace(/^GET\s+/, '');
    const url = new URL(path, baseUrl);
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json', ...(await headers()) }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new ProfileError(`Data set ${name}: GET ${url} failed: ${(error as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new ProfileError(`Data set ${name}: GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ProfileError(`Data set ${name}: GET ${url} did not answer JSON.`);
    }
    const rows = selectAll(body, source.select);
    if (rows.length === 0) throw new ProfileError(`Data set ${name} is empty: ${source.select} of GET ${url} selects nothing. The target has no such data, or the pointer is wrong.`);
    sets[name] = rows;
  }
  return sets;
}

/** JSON pointer with `*` for "every element"; returns every value it reaches. */
export function selectAll(value: unknown, pointer: string): unknown[] {
  const parts = parsePointer(pointer);
  let current: unknown[] = [value];
  for (const part of parts) {
    const next: unknown[] = [];
    for (const node of current) {
      if (node === null || typeof node !== 'object') continue;
      if (part === '*') next.push(...(Array.isArray(node) ? node : Object.values(node)));
      else if (part in (node as object)) next.push((node as Record<string, unknown>)[part]);
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}

// --- rendering ---------------------------------------------------------------------------------

const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^}]+?)\s*\}\}$/;

class UnfillableTemplate extends Error {}

/** Names of the data sets a template's placeholders refer to. */
function placeholderSets(t: RequestTemplate): Set<string> {
  const names = new Set<string>();
  const text = JSON.stringify([t.path, t.headers ?? {}, t.body ?? null]);
  for (const match of text.matchAll(PLACEHOLDER)) {
    const words = match[1]!.split(/\s+/);
    const [fn] = words;
    const refs = fn === 'near' ? [words[1]!] : ['int', 'fresh', 'pick', 'now'].includes(fn!) ? [] : [fn!];
    for (const ref of refs) names.add(ref.split('.')[0]!);
  }
  for (const each of findEach(t.body)) names.add(each);
  return names;
}

function findEach(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(findEach);
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = typeof record.$each === 'string' ? [record.$each] : [];
  return [...own, ...Object.values(record).flatMap(findEach)];
}

/** Renders templates of one profile against its data sets; one instance per run. */
export class RequestRenderer {
  private readonly random: () => number;
  private readonly cumulative: number[];
  private readonly total: number;
  private freshCounter = 0;
  private readonly runToken: string;

  constructor(
    private readonly profile: LoadProfile,
    private readonly data: DataSets,
    seed: number,
  ) {
    this.random = uniformDraws(unscrambledRandom(seed)); // the same seed renders the same requests
    let sum = 0;
    this.cumulative = profile.requests.map((t) => (sum += t.weight));
    this.total = sum;
    this.runToken = Math.floor(this.random() * 36 ** 6).toString(36).padStart(6, '0');
  }

  /** Picks a template by weight and renders it; retries other rows when a field is missing. */
  next(): RenderedRequest {
    const r = this.random() * this.total;
    const index = this.cumulative.findIndex((c) => r < c);
    return this.render(this.profile.requests[index === -1 ? this.cumulative.length - 1 : index]!);
  }

  render(t: RequestTemplate): RenderedRequest {
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < 10; attempt++) {
      const rows = new Map<string, unknown>();
      try {
        const path = this.interpolate(t.path, rows, true);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(t.headers ?? {})) headers[k.toLowerCase()] = this.interpolate(v, rows, false);
        let body: string | undefined;
        if (t.body !== undefined) {
          body = JSON.stringify(this.fill(t.body, rows));
          headers['content-type'] ??= 'application/json';
        }
        return { operationId: t.operation, method: t.method, path, headers, body };
      } catch (error) {
        if (!(error instanceof UnfillableTemplate)) throw error;
        lastError = error;
      }
    }
    throw new ProfileError(`Template ${t.name ?? t.operation} cannot be filled from its data: ${lastError?.message}`);
  }

  private row(set: string, rows: Map<string, unknown>): unknown {
    if (!rows.has(set)) {
      const data = this.data[set];
      if (!data?.length) throw new ProfileError(`Data set ${set} has no rows.`);
      rows.set(set, data[Math.floor(this.random() * data.length)]);
    }
    return rows.get(set);
  }

  private lookup(ref: string, rows: Map<string, unknown>): unknown {
    const [set, ...path] = ref.split('.');
    let value = this.row(set!, rows);
    // Indexing a primitive is harmless (undefined, or a string's length), as in a JSON path.
    for (const key of path) value = value == null ? undefined : (value as Record<string, unknown>)[key];
    if (value === undefined || value === null) throw new UnfillableTemplate(`${ref} is missing in a row of ${set}`);
    return value;
  }

  private evaluate(expression: string, rows: Map<string, unknown>): unknown {
    const [fn, ...args] = expression.split(/\s+/);
    switch (fn) {
      case 'int': {
        const [min, max] = args.map(Number);
        return Math.floor(min! + this.random() * (max! - min! + 1));
      }
      case 'near': {
        const base = Number(this.lookup(args[0]!, rows));
        const pct = Number(args[1] ?? 5) / 100;
        return Math.max(0.01, Math.round(base * (1 + (this.random() * 2 - 1) * pct) * 100) / 100);
      }
      case 'fresh':
        return `${args[0] ?? ''}${this.runToken}${(this.freshCounter++).toString(36)}`;
      case 'pick':
        return args[Math.floor(this.random() * args.length)];
      case 'now':
        return new Date().toISOString();
      default:
        return this.lookup(fn!, rows);
    }
  }

  private interpolate(text: string, rows: Map<string, unknown>, urlEncode: boolean): string {
    return text.replace(PLACEHOLDER, (_, expression: string) => {
      const value = String(this.evaluate(expression, rows));
      return urlEncode ? encodeURIComponent(value) : value;
    });
  }

  private fill(node: unknown, rows: Map<string, unknown>): unknown {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      return whole ? this.evaluate(whole[1]!, rows) : this.interpolate(node, rows, false);
    }
    if (Array.isArray(node)) return node.map((item) => this.fill(item, rows));
    if (!node || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$each === 'string') return this.each(record.$each, Number(record.count ?? 1), record.item, rows);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, this.fill(v, rows)]));
  }

  /** `count` items, each from a different row of the set (as far as the set has rows). */
  private each(set: string, count: number, item: unknown, outer: Map<string, unknown>): unknown[] {
    const data = this.data[set] ?? [];
    if (data.length === 0) throw new ProfileError(`Data set ${set} has no rows.`);
    const start = Math.floor(this.random() * data.length);
    const items: unknown[] = [];
    for (let i = 0; items.length < count && i < count * 3; i++) {
      const rows = new Map(outer);
      rows.set(set, data[(start + i) % data.length]);
      try {
        items.push(this.fill(item, rows));
      } catch (error) {
        if (!(error instanceof UnfillableTemplate)) throw error;
      }
    }
    if (items.length === 0) throw new UnfillableTemplate(`no row of ${set} fills the $each item`);
    return items;
  }
}

/**
 * Renders each template once and checks the body against the operation's request schema, so a
 * profile that would only measure 400 answers is caught before the run, not after it.
 */
export function checkRenderedBodies(
  profile: LoadProfile,
  renderer: RequestRenderer,
  validators: Map<string, OperationValidators>,
): string[] {
  const warnings: string[] = [];
  for (const t of profile.requests) {
    if (t.body === undefined) continue;
    const validate = validators.get(t.operation)?.bodies.get('application/json');
    if (!validate) continue;
    const sample = renderer.render(t);
    if (!validate(JSON.parse(sample.body!))) {
      const errors = toFieldErrors(validate.errors, '/body').map((e) => `${e.pointer} ${e.message}`);
      warnings.push(`Template ${t.name ?? t.operation} renders a body the contract rejects: ${errors.join('; ')}`);
    }
  }
  return warnings;
}
