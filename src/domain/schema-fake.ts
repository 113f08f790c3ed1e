// Values made from a JSON schema of a --spec document, as a partner would expect to read them:
// an `email` property holds an address, `price` an amount, `city` a town, a `uuid` format a
// UUID; never "string" or -9007199254740991. The faker is passed in (seeded by the caller), so
// the same seed makes the same values. Plain data in, plain data out.
import type { Faker } from '@faker-js/faker';
import RandExp from 'randexp';

export type Schema = Record<string, unknown>;
/** Follows a local `$ref` (the caller knows the document). */
export type Resolve = (schema: unknown) => Schema;

interface Fake {
  faker: Faker;
  resolve: Resolve;
  /** Only what the schema requires (filling a partner's body), or every property (a seed item). */
  requiredOnly?: boolean;
  /** A request body: without the properties the document marks readOnly (answers only). */
  omitReadOnly?: boolean;
}

const MAX_DEPTH = 6;
/** Dates are drawn before a fixed day, not before now: the same seed makes the same dates on any day. */
const REF_DATE = '2026-11-30T12:00:00Z';

/** A value for `schema`; `name` is the property (or parameter) it is for. */
export function fakeValue(schema: unknown, name: string, fake: Fake, depth = 0): unknown {
  const s = fake.resolve(schema);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return fake.faker.helpers.arrayElement(s.enum.filter((v) => v !== null).length ? s.enum.filter((v) => v !== null) : s.enum);
  if (Array.isArray(s.allOf)) return fakeValue(mergedAllOf(s, fake.resolve), name, fake, depth);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length) return fakeValue(options[0], name, fake, depth);
  }
  const type = typeOf(s);
  if (depth > MAX_DEPTH) return type === 'array' ? [] : type === 'object' ? {} : null;
  switch (type) {
    case 'object':
      return fakeObject(s, fake, depth);
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 1;
      const max = typeof s.maxItems === 'number' ? s.maxItems : Math.max(min, 2);
      const count = fake.faker.number.int({ min, max: Math.max(min, Math.min(max, min + 2)) });
      const item = singular(name);
      return Array.from({ length: count }, () => fakeValue(s.items ?? {}, item, fake, depth + 1));
    }
    case 'integer':
    case 'number':
      return fakeNumber(s, name, type, fake.faker);
    case 'boolean':
      return fake.faker.datatype.boolean();
    case 'null':
      return null;
    default:
      return fakeString(s, name, fake.faker);
  }
}

/** An object for `schema`: its required properties, and (unless requiredOnly) the others. */
export function fakeObject(schema: unknown, fake: Fake, depth = 0): Record<string, unknown> {
  const s = mergedAllOf(fake.resolve(schema), fake.resolve);
  const properties = (s.properties as Record<string, unknown> | undefined) ?? {};
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const p = fake.resolve(property);
    if (fake.omitReadOnly ? p.readOnly === true : p.writeOnly === true && !required.has(key)) continue; // never sent, or never answered
    if (required.has(key) || (!fake.requiredOnly && depth < 3)) out[key] = fakeValue(property, key, fake, depth + 1);
  }
  // Required without a schema of its own: anything, read from its name.
  for (const key of required) if (!(key in out)) out[key] = fakeValue({}, key, fake, depth + 1);
  return out;
}

/**
 * `value` made to fit `schema`, keeping all of it that does: what the schema requires and it
 * lacks is made up, and a value of the wrong type or outside an enum is replaced by a made-up
 * one, recursively through objects and arrays. A stored item then answers as its document says,
 * even where the document's request and answer schemas differ (a body of ids, an answer of objects).
 */
export function completed(value: unknown, schema: unknown, fake: Fake, depth = 0): unknown {
  let s = mergedAllOf(fake.resolve(schema), fake.resolve);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length && !s.type && !s.properties) s = mergedAllOf(fake.resolve(options[0]), fake.resolve);
  }
  if (depth > MAX_DEPTH || value === undefined) return value;
  const required = { ...fake, requiredOnly: true };
  if (!fits(value, s)) return fakeValue(s, 'value', required, depth);
  if (Array.isArray(value)) return s.items === undefined ? value : value.map((v) => completed(v, s.items, fake, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const properties = (s.properties as Record<string, unknown> | undefined) ?? {};
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Array.isArray(s.required) ? (s.required as string[]) : []) {
    if (out[key] === undefined) out[key] = fakeValue(properties[key] ?? {}, key, required, depth + 1);
  }
  for (const [key, property] of Object.entries(properties)) {
    if (out[key] !== undefined) out[key] = completed(out[key], property, fake, depth + 1);
  }
  return out;
}

/** Whether `value` has the schema's type (and is one of its enum), not looking inside. */
function fits(value: unknown, s: Schema): boolean {
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === value)) return false;
  if (s.const !== undefined) return s.const === value;
  if (value === null) return s.nullable === true || s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')) || (s.type === undefined && !s.properties);
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0) return true;
  const actual = Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

/** An `allOf`'s parts gathered into one object schema (their properties and required lists). */
export function mergedAllOf(schema: Schema, resolve: Resolve): Schema {
  if (!Array.isArray(schema.allOf)) return schema;
  const properties: Record<string, unknown> = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  const required = new Set<string>(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  let type = schema.type;
  for (const part of schema.allOf) {
    const resolved = mergedAllOf(resolve(part), resolve);
    Object.assign(properties, (resolved.properties as Record<string, unknown> | undefined) ?? {});
    for (const key of Array.isArray(resolved.required) ? (resolved.required as string[]) : []) required.add(key);
    type ??= resolved.type;
  }
  const { allOf: _parts, ...rest } = schema;
  return { ...rest, type: type ?? 'object', properties, required: [...required] };
}

function typeOf(s: Schema): string {
  const declared = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') ?? 'null' : s.type;
  if (typeof declared === 'string') return declared;
  if (s.properties || s.additionalProperties) return 'object';
  if (s.items) return 'array';
  return 'string';
}

const singular = (name: string) => name.replace(/ies$/, 'y').replace(/s$/, '');

function fakeNumber(s: Schema, name: string, type: string, faker: Faker): number {
  const exclusiveMin = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined;
  const exclusiveMax = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : undefined;
  const lower = name.toLowerCase();
  const [hintMin, hintMax] = /price|amount|cost|total|fee|balance/.test(lower)
    ? [1, 500]
    : /lat/.test(lower)
      ? [-90, 90]
      : /lon|lng/.test(lower)
        ? [-180, 180]
        : /year/.test(lower)
          ? [1990, 2026]
          : /age/.test(lower)
            ? [1, 90]
            : /percent|rate|ratio/.test(lower)
              ? [0, 100]
              : [0, 1000];
  let min = typeof s.minimum === 'number' ? s.minimum : exclusiveMin !== undefined ? exclusiveMin + (type === 'integer' ? 1 : 0.01) : hintMin;
  let max = typeof s.maximum === 'number' ? s.maximum : exclusiveMax !== undefined ? exclusiveMax - (type === 'integer' ? 1 : 0.01) : Math.max(min + 1, hintMax);
  if (max < min) [min, max] = [max, min];
  const multipleOf = typeof s.multipleOf === 'number' && s.multipleOf > 0 ? s.multipleOf : undefined;
  if (type === 'integer' || /id$|count|quantity|qty|number/.test(lower)) {
    const value = faker.number.int({ min: Math.ceil(min), max: Math.floor(max) });
    return multipleOf ? Math.ceil(value / multipleOf) * multipleOf : value;
  }
  const value = faker.number.float({ min, max, fractionDigits: 2 });
  return multipleOf ? Math.round(value / multipleOf) * multipleOf : value;
}

function fakeString(s: Schema, name: string, faker: Faker): string {
  const pattern = typeof s.pattern === 'string' ? s.pattern : undefined;
  // The format, else the name; a pattern they miss is drawn from (a `currency` of ^[A-Z]{3}$ is still EUR).
  let out = byFormat(s.format, faker) ?? byName(name, faker);
  if (pattern && (out === undefined || !matchesPattern(pattern, out))) out = fromPattern(pattern, faker) ?? out;
  out ??= faker.lorem.words({ min: 1, max: 3 });
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  while (out.length < min) out += faker.string.alphanumeric(min - out.length);
  return out.length > max ? out.slice(0, max) : out;
}

/** Whether `value` matches a document's `pattern`, read as the validators read it. */
export function matchesPattern(pattern: string, value: string): boolean {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags).test(value);
    } catch {
      // `\:` is an error with the u flag, and fine without it (as the validators read it)
    }
  }
  return true; // a pattern JavaScript cannot read at all is not ours to enforce
}

/** A string matching `pattern`, drawn with the faker (so the seed decides it too). */
export function fromPattern(pattern: string, faker: Faker): string | undefined {
  try {
    const generator = new RandExp(pattern);
    generator.max = 8;
    generator.randInt = (from: number, to: number) => faker.number.int({ min: from, max: to });
    return generator.gen();
  } catch {
    return undefined;
  }
}

function byFormat(format: unknown, faker: Faker): string | undefined {
  switch (format) {
    case 'email':
    case 'idn-email':
      return faker.internet.email().toLowerCase();
    case 'uuid':
      return faker.string.uuid();
    case 'date':
      return faker.date.past({ years: 2, refDate: REF_DATE }).toISOString().slice(0, 10);
    case 'date-time':
      return faker.date.past({ years: 2, refDate: REF_DATE }).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'time':
      return faker.date.past({ refDate: REF_DATE }).toISOString().slice(11, 19);
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
      return faker.internet.url();
    case 'hostname':
    case 'idn-hostname':
      return faker.internet.domainName();
    case 'ipv4':
      return faker.internet.ipv4();
    case 'ipv6':
      return faker.internet.ipv6();
    case 'byte':
      return Buffer.from(faker.lorem.word()).toString('base64');
    case 'password':
      return faker.internet.password({ length: 12 });
    default:
      return undefined;
  }
}

/** A value read from the property's name; undefined when the name says nothing. */
function byName(name: string, faker: Faker): string | undefined {
  const n = name.toLowerCase().replace(/[-\s]/g, '_');
  const rules: [RegExp, () => string][] = [
    [/e_?mail/, () => faker.internet.email().toLowerCase()],
    [/(^|_)uuid$|guid/, () => faker.string.uuid()],
    [/first_?name|given_?name/, () => faker.person.firstName()],
    [/last_?name|family_?name|surname/, () => faker.person.lastName()],
    [/user_?name|login|handle/, () => faker.internet.username()],
    [/full_?name|^name$|display_?name|owner|author|contact/, () => faker.person.fullName()],
    [/company|organi[sz]ation|brand|vendor|manufacturer/, () => faker.company.name()],
    [/phone|mobile|fax/, () => faker.phone.number({ style: 'international' })],
    [/city|town/, () => faker.location.city()],
    [/country_?code/, () => faker.location.countryCode()],
    [/country/, () => faker.location.country()],
    [/zip|postal|post_?code/, () => faker.location.zipCode()],
    [/street|address|line1/, () => faker.location.streetAddress()],
    [/state|region|province/, () => faker.location.state()],
    [/currency/, () => faker.finance.currencyCode()],
    [/(^|_)(url|uri|link|href|website|homepage)$/, () => faker.internet.url()],
    [/image|photo|avatar|picture|thumbnail/, () => faker.image.url()],
    [/color|colour/, () => faker.color.human()],
    [/ip(_?address)?$/, () => faker.internet.ipv4()],
    [/domain|host/, () => faker.internet.domainName()],
    [/slug/, () => faker.lorem.slug()],
    [/sku|code|reference|number/, () => faker.string.alphanumeric({ length: 10, casing: 'upper' })],
    [/(^|_)(at|date|time|timestamp)$|_on$/, () => faker.date.past({ years: 2, refDate: REF_DATE }).toISOString().replace(/\.\d{3}Z$/, 'Z')],
    [/description|summary|bio|comment|note|text|body|message/, () => faker.lorem.sentence()],
    [/title|headline|subject/, () => faker.lorem.sentence({ min: 2, max: 5 }).replace(/\.$/, '')],
    [/tag|label|category|kind|type|species|breed/, () => faker.lorem.word()],
    [/product|item/, () => faker.commerce.productName()],
    [/(^|_)id$|_?id$/, () => faker.string.alphanumeric({ length: 12, casing: 'lower' })],
    [/token|key|secret/, () => faker.string.alphanumeric(24)],
    [/version/, () => faker.system.semver()],
    [/language|locale|lang/, () => faker.location.language().alpha2],
    [/status|state/, () => faker.helpers.arrayElement(['active', 'pending', 'inactive'])],
  ];
  for (const [pattern, value] of rules) if (pattern.test(n)) return value();
  return undefined;
}
