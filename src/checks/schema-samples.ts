// Values from JSON schemas, for requests the conformance check sends:
// - `sample`: a value the schema accepts, preferring what the contract itself shows (example,
//   examples, default, const, enum) and generating the rest (patterns through randexp);
// - `breakages`: for a valid value, the ways to make it invalid that a partner's bugs produce
//   (a required member missing, a wrong type, a number out of range, an unknown enum value, a batch
//   over its limit, an unknown member), each with the JSON pointer of what was broken.
// Nothing here validates: callers check samples with the contract's own compiled validators.
import RandExp from 'randexp';
import { encodeSegment, parsePointer } from '../contract/json-pointer.ts';
import { resolveLocal, type OpenApiDocument } from '../contract/operations.ts';
import { uniformDraws, unscrambledRandom } from '../domain/random.ts';

/**
 * The JSON Schema keywords the sampler reads, with the types JSON Schema 2020-12 (OpenAPI 3.1)
 * gives them; other keywords are unknown. Subschemas stay unknown until `resolve` reads them.
 */
export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: unknown;
  unevaluatedProperties?: unknown;
  items?: unknown;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  allOf?: unknown[];
  oneOf?: unknown[];
  anyOf?: unknown[];
  const?: unknown;
  enum?: unknown[];
  example?: unknown;
  examples?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  [keyword: string]: unknown;
}

export type BreakageKind = 'missing_required' | 'wrong_type' | 'out_of_range' | 'unknown_enum' | 'oversized_batch' | 'unknown_member';

export interface Breakage {
  kind: BreakageKind;
  /** Where in the value, as a JSON pointer ('' is the value itself). */
  pointer: string;
  value: unknown;
  /** What was done, for the report: "removed required member sku". */
  description: string;
}

export interface SampleOptions {
  /** Also fill optional members (otherwise only required ones). */
  optional?: boolean;
  /** Values by member/parameter name that win over anything generated (e.g. url → a local receiver). */
  overrides?: Record<string, unknown>;
}

const MAX_DEPTH = 8;

export class SchemaSampler {
  private readonly random: () => number;

  constructor(
    private readonly doc: OpenApiDocument,
    seed = 1,
  ) {
    this.random = uniformDraws(unscrambledRandom(seed));
  }

  /** The schema with local $refs followed and allOf merged (one level is all OpenAPI documents use). */
  resolve(schema: unknown): SchemaObject {
    let s = resolveLocal(this.doc, (schema ?? {}) as SchemaObject | boolean);
    if (typeof s !== 'object' || s === null) return {};
    if (Array.isArray(s.allOf)) {
      const merged: SchemaObject = { ...s };
      delete merged.allOf;
      for (const part of s.allOf) {
        const r = this.resolve(part);
        merged.properties = { ...merged.properties, ...r.properties };
        merged.required = [...new Set([...(merged.required ?? []), ...(r.required ?? [])])];
        for (const [k, v] of Object.entries(r)) if (!(k in merged)) merged[k] = v;
      }
      s = merged;
    }
    // A $ref with siblings (OpenAPI 3.1): the siblings refine the referenced schema.
    if (typeof (schema as SchemaObject)?.$ref === 'string') {
      const { $ref: _ref, ...siblings } = schema as SchemaObject;
      if (Object.keys(siblings).length) s = { ...s, ...siblings };
    }
    return s;
  }

  /** The first non-null type of a schema, guessed from its keywords when `type` is absent. */
  typeOf(schema: SchemaObject): string | undefined {
    const t = schema.type;
    if (Array.isArray(t)) return t.find((x: string) => x !== 'null');
    if (t) return t;
    if (schema.properties) return 'object';
    if (schema.items) return 'array';
    if (schema.enum?.length) return typeof schema.enum[0];
    return undefined;
  }

  sample(schema: unknown, options: SampleOptions = {}, name?: string, depth = 0): unknown {
    if (name !== undefined && options.overrides && name in options.overrides) return options.overrides[name];
    const s = this.resolve(schema);
    if ('const' in s) return s.const;
    const shown = this.shown(s);
    if (shown !== undefined) return structuredClone(shown);
    if (s.enum?.length) return s.enum.find((v: unknown) => v !== null) ?? s.enum[0];
    const branch = s.oneOf?.[0] ?? s.anyOf?.[0];
    if (branch) return this.sample(branch, options, name, depth + 1);
    switch (this.typeOf(s)) {
      case 'object': {
        const out: Record<string, unknown> = {};
        if (depth > MAX_DEPTH) return out;
        const required = new Set<string>(s.required ?? []);
        for (const [key, sub] of Object.entries(s.properties ?? {})) {
          if (required.has(key) || options.optional) out[key] = this.sample(sub, options, key, depth + 1);
        }
        return out;
      }
      case 'array': {
        const count = Math.max(s.minItems ?? 1, 1);
        if (depth > MAX_DEPTH) return [];
        const items = Array.from({ length: Math.min(count, 3) }, () => this.sample(s.items ?? {}, options, undefined, depth + 1));
        return s.uniqueItems ? dedupe(items) : items;
      }
      case 'integer':
      case 'number':
        return this.number(s);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return this.string(s);
    }
  }

  /** What the contract shows for a schema: example, the first of examples, or default. */
  private shown(s: SchemaObject): unknown {
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    return undefined;
  }

  private number(s: SchemaObject): number {
    const integer = this.typeOf(s) === 'integer';
    let min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.01) : 1);
    let max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 0.01) : Math.max(min, 1) * 100);
    if (max < min) [min, max] = [max, min];
    const value = min + this.random() * (max - min);
    if (integer) return Math.min(Math.max(Math.round(value), Math.ceil(min)), Math.floor(max));
    const step = s.multipleOf ?? 0.01;
    return Math.min(Math.max(Math.round(value / step) * step, min), max);
  }

  private string(s: SchemaObject): string {
    const format: string | undefined = s.format;
    const now = new Date();
    switch (format) {
      case 'date-time':
        return now.toISOString();
      case 'date':
        return now.toISOString().slice(0, 10);
      case 'uri':
      case 'url':
        return 'http://127.0.0.1:9/conformance';
      case 'uri-reference':
        return '/conformance';
      case 'email':
        return 'conformance@example.com';
      case 'uuid':
        return '00000000-0000-4000-8000-000000000000';
    }
    const min = s.minLength ?? 1;
    const max = s.maxLength ?? Math.max(min, 24);
    if (s.pattern) {
      const generator = new RandExp(s.pattern);
      generator.max = Math.min(max, 12);
      generator.randInt = (from, to) => from + Math.floor(this.random() * (to - from + 1));
      for (let i = 0; i < 20; i++) {
        const value = generator.gen();
        if (value.length >= min && value.length <= max) return value;
      }
    }
    const base = 'conformance';
    return base.length >= min ? base.slice(0, max) : base.padEnd(min, 'x');
  }

  /** Ways to break a valid value, at most one of each kind, shallowest place first. */
  breakages(schema: unknown, valid: unknown): Breakage[] {
    const found = new Map<BreakageKind, Breakage>();
    const queue: { pointer: string; schema: SchemaObject; value: unknown }[] = [{ pointer: '', schema: this.resolve(schema), value: valid }];
    for (let visited = 0; queue.length && visited < 500; visited++) {
      const { pointer, schema: s, value } = queue.shift()!;
      const type = this.typeOf(s);
      // `replacement` goes where this node is; `reported` is the pointer the report names.
      const add = (kind: BreakageKind, replacement: unknown, description: string, reported = pointer) => {
        if (!found.has(kind)) found.set(kind, { kind, pointer: reported, value: replaceAt(valid, pointer, replacement), description });
      };

      if (type === 'object' && isObject(value)) {
        for (const key of s.required ?? []) {
          if (key in value) {
            const copy = { ...value };
            delete copy[key];
            add('missing_required', copy, `left out the required member ${key}`, `${pointer}/${encodeSegment(key)}`);
            break;
          }
        }
        if (s.additionalProperties === false || s.unevaluatedProperties === false) {
          add('unknown_member', { ...value, conformance_unknown_member: true }, 'added a member the schema does not define', `${pointer}/conformance_unknown_member`);
        }
        for (const [key, sub] of Object.entries(s.properties ?? {})) {
          if (key in value) queue.push({ pointer: `${pointer}/${encodeSegment(key)}`, schema: this.resolve(sub), value: value[key] });
        }
        continue;
      }
      if (type === 'array' && Array.isArray(value)) {
        if (typeof s.maxItems === 'number' && value.length > 0 && s.maxItems <= 20_000) {
          const oversized = Array.from({ length: s.maxItems + 1 }, (_, i) => value[i % value.length]);
          add('oversized_batch', oversized, `sent ${s.maxItems + 1} items where at most ${s.maxItems} are allowed`);
        }
        if (value.length > 0) queue.push({ pointer: `${pointer}/0`, schema: this.resolve(s.items ?? {}), value: value[0] });
        continue;
      }
      if (pointer === '') continue; // a bare top-level scalar is a parameter: breakages come from breakValue
      for (const b of this.breakValue(s)) add(b.kind, b.value, b.description);
    }
    return [...found.values()];
  }

  /** Invalid replacements for one scalar (a member or a parameter value). */
  breakValue(schema: unknown): { kind: BreakageKind; value: unknown; description: string }[] {
    const s = this.resolve(schema);
    const type = this.typeOf(s);
    const out: { kind: BreakageKind; value: unknown; description: string }[] = [];
    if (s.enum?.length) out.push({ kind: 'unknown_enum', value: 'conformance_unknown_value', description: `sent a value outside the enum (${s.enum.slice(0, 5).join(', ')})` });
    if (type === 'integer' || type === 'number') {
      out.push({ kind: 'wrong_type', value: 'not-a-number', description: `sent a string where a ${type} is expected` });
      if (typeof s.maximum === 'number') out.push({ kind: 'out_of_range', value: s.maximum + 1, description: `sent ${s.maximum + 1}, above the maximum ${s.maximum}` });
      else if (typeof s.exclusiveMaximum === 'number') out.push({ kind: 'out_of_range', value: s.exclusiveMaximum, description: `sent ${s.exclusiveMaximum}, not below the exclusive maximum` });
      else if (typeof s.minimum === 'number') out.push({ kind: 'out_of_range', value: s.minimum - 1, description: `sent ${s.minimum - 1}, below the minimum ${s.minimum}` });
      else if (typeof s.exclusiveMinimum === 'number') out.push({ kind: 'out_of_range', value: s.exclusiveMinimum, description: `sent ${s.exclusiveMinimum}, not above the exclusive minimum` });
    } else if (type === 'string') {
      out.push({ kind: 'wrong_type', value: 12345, description: 'sent a number where a string is expected' });
      if (typeof s.maxLength === 'number' && s.maxLength < 100_000) out.push({ kind: 'out_of_range', value: 'x'.repeat(s.maxLength + 1), description: `sent ${s.maxLength + 1} characters, above maxLength ${s.maxLength}` });
      else if (typeof s.minLength === 'number' && s.minLength > 0) out.push({ kind: 'out_of_range', value: '', description: `sent an empty string, below minLength ${s.minLength}` });
    } else if (type === 'boolean') {
      out.push({ kind: 'wrong_type', value: 'conformance', description: 'sent a string where a boolean is expected' });
    }
    return out;
  }

  /**
   * Invalid values for a parameter, which travels as text: wrong type means text the type
   * cannot parse, and a pattern-constrained string gets text outside its pattern.
   */
  breakParameter(schema: unknown): { kind: BreakageKind; value: string; description: string }[] {
    // An array parameter (?status=open&status=shipped) breaks through its items.
    const outer = this.resolve(schema);
    const s = this.typeOf(outer) === 'array' ? this.resolve(outer.items) : outer;
    const type = this.typeOf(s);
    const out: { kind: BreakageKind; value: string; description: string }[] = [];
    if (type === 'integer' || type === 'number') out.push({ kind: 'wrong_type', value: 'not-a-number', description: `sent text where a ${type} is expected` });
    else if (type === 'boolean') out.push({ kind: 'wrong_type', value: 'maybe', description: 'sent text where a boolean (true/false) is expected' });
    else if (type === 'string' && s.pattern) out.push({ kind: 'wrong_type', value: 'invalid~value', description: `sent text outside the pattern ${s.pattern}` });
    for (const b of this.breakValue(s)) {
      if (b.kind === 'wrong_type') continue;
      if (b.value === '') continue; // an empty parameter reads as absent
      out.push({ ...b, value: String(b.value) });
    }
    return out;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `root` with the value at `pointer` replaced. */
export function replaceAt(root: unknown, pointer: string, replacement: unknown): unknown {
  if (pointer === '') return replacement;
  const parts = parsePointer(pointer);
  const copy = structuredClone(root);
  // Every step of the pointer was read from `root`, so each is an object or an array to index.
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1]!] = replacement;
  return copy;
}

function dedupe(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
