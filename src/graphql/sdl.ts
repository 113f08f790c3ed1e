// The GraphQL schema's types, made from the partner API's OpenAPI component schemas, so the two
// APIs describe one marketplace with one vocabulary (the REST field names, snake_case) and cannot
// drift. The root types and the links between objects (a product's brand, an order's shipments)
// are written by hand in root.graphql; this module adds every object, enum and input type they
// name, following references. `npm run types` writes the result to specs/marketplace.graphql, and
// test/graphql/schema-file.test.ts fails when the committed file is not current.
import { readFileSync } from 'node:fs';
import type { OpenApiDocument } from '../contract/operations.ts';

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  description?: string;
  default?: unknown;
};

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** The hand-written part: roots, connections, links and unions. */
export function rootSdl(): string {
  return readFileSync(new URL('./root.graphql', import.meta.url), 'utf8');
}

/** The whole schema: the hand-written part, then every component type it names, in name order. */
export function buildSdl(doc: OpenApiDocument, root = rootSdl()): string {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  const outputs = new Map<string, string>();
  const inputs = new Map<string, string>();
  const enums = new Map<string, string>();
  const declared = new Set([...root.matchAll(/^(?:type|input|enum|union|scalar|interface)\s+(\w+)/gm)].map((m) => m[1]!));

  const resolve = (schema: Schema): { name: string | null; schema: Schema } => {
    if (!schema.$ref) return { name: null, schema };
    const name = schema.$ref.split('/').pop()!;
    return { name, schema: resolve(schemas[name]!).schema };
  };

  const describe = (text: unknown, indent = ''): string =>
    typeof text === 'string' && text.trim() ? `${indent}"""${text.trim().replace(/"""/g, '\\"""').replace(/\s*\n\s*/g, ' ')}"""\n` : '';

  /** The GraphQL type of a schema, without the non-null mark; registers what it names. */
  const typeOf = (schema: Schema, context: string, input: boolean): string => {
    const { name, schema: s } = resolve(schema);
    if (s.allOf?.length === 1) return typeOf(s.allOf[0]!, context, input);
    const options = (s.oneOf ?? s.anyOf)?.filter((o) => resolve(o).schema.type !== 'null');
    if (options) return options.length === 1 ? typeOf(options[0]!, context, input) : 'JSON';
    const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t && t !== 'null');
    if (types.length !== 1) return 'JSON';
    const type = types[0]!;
    if (type === 'array') return s.items ? `[${typeOf(s.items, `${context}Item`, input)}!]` : '[JSON]';
    if (type === 'object') {
      if (!s.properties || Object.keys(s.properties).length === 0) return 'JSON';
      const typeName = (name ?? context) + (input ? 'Input' : '');
      objectType(typeName, s, input);
      return typeName;
    }
    if (type === 'string' && s.enum?.every((v) => typeof v === 'string' && GRAPHQL_NAME.test(v)) && name) {
      enumType(name, s);
      return name;
    }
    if (type === 'integer') return Number(s.maximum ?? 0) > 2 ** 31 - 1 ? 'Float' : 'Int';
    return type === 'number' ? 'Float' : type === 'boolean' ? 'Boolean' : 'String';
  };

  const nullable = (schema: Schema): boolean => {
    const s = resolve(schema).schema;
    return (Array.isArray(s.type) && s.type.includes('null')) || (s.oneOf ?? s.anyOf ?? []).some((o) => resolve(o).schema.type === 'null');
  };

  function objectType(name: string, s: Schema, input: boolean): void {
    const into = input ? inputs : outputs;
    if (into.has(name) || declared.has(name)) return;
    into.set(name, ''); // placeholder: a type that refers to itself
    const required = new Set(s.required ?? []);
    const fields: string[] = [];
    for (const [field, property] of Object.entries(s.properties ?? {})) {
      if (!GRAPHQL_NAME.test(field)) continue;
      const type = typeOf(property, name.replace(/Input$/, '') + pascal(field), input);
      const nonNull = required.has(field) && !nullable(property) && !(input && property.default !== undefined);
      const text = resolve(property).schema.description ?? property.description;
      fields.push(`${describe(text, '  ')}  ${field}: ${type}${nonNull ? '!' : ''}`);
    }
    into.set(name, `${describe(s.description)}${input ? 'input' : 'type'} ${name} {\n${fields.join('\n')}\n}`);
  }

  function enumType(name: string, s: Schema): void {
    if (enums.has(name) || declared.has(name)) return;
    enums.set(name, `${describe(s.description)}enum ${name} {\n${(s.enum as string[]).map((v) => `  ${v}`).join('\n')}\n}`);
  }

  // Every name the root uses that it does not declare is a component schema (XInput: its input form).
  const code = root.replace(/"""[\s\S]*?"""/g, '').replace(/"[^"\n]*"/g, '').replace(/#.*$/gm, '');
  const used = new Set([...code.matchAll(/[:[|=]\s*\[?([_A-Za-z]\w*)/g)].map((m) => m[1]!));
  for (const name of [...used].sort()) {
    if (declared.has(name) || ['String', 'Int', 'Float', 'Boolean', 'ID', 'JSON'].includes(name)) continue;
    const component = name.endsWith('Input') ? name.slice(0, -'Input'.length) : name;
    const schema = schemas[component];
    if (!schema) throw new Error(`root.graphql names ${name}, but the partner API has no component schema ${component}.`);
    const type = typeOf({ $ref: `#/components/schemas/${component}` }, component, name.endsWith('Input'));
    if (type !== name) throw new Error(`root.graphql names ${name}, but the schema ${component} is a ${type} in GraphQL.`);
  }

  const sorted = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, text]) => text);
  return [
    '# The partner API through GraphQL. Generated by `npm run types` from src/graphql/root.graphql and the',
    '# component schemas of specs/marketplace.openapi.yaml: do not edit by hand.',
    '',
    root.trim(),
    '',
    '# Types of the partner API\'s component schemas',
    '',
    [...sorted(outputs), ...sorted(enums), ...sorted(inputs)].join('\n\n'),
    '',
  ].join('\n');
}

const pascal = (text: string) => text.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
