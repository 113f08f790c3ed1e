// Real public OpenAPI documents (test/fixtures/specs/SOURCES.md) load with `serve --spec` and
// answer: OpenAPI 3.0 and 3.1, small examples, two pet stores, a museum and DigitalOcean's 659
// operations. Every resource inferred from each makes a create → read → list → update → delete
// → 404 round trip under --strict (an answer that broke the document would be a 500), and an
// invalid body is refused with a pointer.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listOperations, loadDocument, type Operation, type OperationParameter } from '../../src/contract/operations.ts';
import { inferResources, schemaResolver, type Resource } from '../../src/contract/resources.ts';
import { fakeValue, type Resolve } from '../../src/domain/schema-fake.ts';
import { seededFaker } from '../../src/domain/seeded-faker.ts';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';

const dir = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));
const documents = [
  ...readdirSync(`${dir}oai`).map((f) => `${dir}oai/${f}`),
  ...readdirSync(dir).filter((f) => /\.(json|yaml)$/.test(f)).map((f) => `${dir}${f}`),
];
const KEY = 'mk_test_nordwind_7d3f9a2c5e8b41d6';

afterAll(() => killStarted());

/** A GET the document answers without parameters of its own, if it has one. */
const plainGet = (ops: Operation[]) => ops.find((op) => op.method === 'get' && !op.parameters.some((p) => p.required));

describe.each(documents.map((file) => [file.slice(dir.length), file]))('%s', (_name, file) => {
  it('starts, names itself in the banner and answers a plain GET without a server error', { timeout: 60_000 }, async () => {
    const doc = await loadDocument(file);
    const ops = listOperations(doc);
    const sb = await serveProcess(['--memory', '--spec', file]);
    try {
      expect(sb.output()).toContain(`(OpenAPI ${doc.openapi}, ${ops.length} operations)`);
      expect(sb.output()).not.toContain('unknown format');
      const get = plainGet(ops);
      if (!get) return; // a document of webhooks only has nothing to call
      const path = get.path.replace(/\{[^}]+\}/g, 'x');
      const res = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status, `${get.operationId} GET ${path}: ${await res.clone().text()}`).toBeLessThan(500);
    } finally {
      await stopProcess(sb.child);
    }
  });
});

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; text: string; body: unknown }>;

/** Some object in `value` (the item itself, or inside a list page) whose `field` is `id`. */
function holds(value: unknown, field: string, id: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => holds(v, field, id));
  if (!value || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (record[field] === id) return true;
  return Object.values(record).some((v) => v && typeof v === 'object' && holds(v, field, id));
}

/** A JSON request body made from the operation's schema, or undefined when it takes none. */
function bodyFor(op: Operation | undefined, resolve: Resolve, seed: number): unknown {
  const schema = op?.body ? Object.entries(op.body.content).find(([type]) => /json/i.test(type))?.[1] : undefined;
  return schema === undefined ? undefined : fakeValue(schema, 'body', { faker: seededFaker(seed), resolve, omitReadOnly: true });
}

/** The round trip of one resource: what went wrong, or nothing. */
async function roundTrip(r: Resource, ops: Map<string, Operation>, resolve: Resolve, call: Call): Promise<string[]> {
  const problems: string[] = [];
  const op = (action: keyof Resource['operations']) => (r.operations[action] ? ops.get(r.operations[action]!) : undefined);
  const parents = Object.fromEntries(
    r.parentParams.map((name) => {
      const p = (op('list') ?? op('create') ?? op('get'))!.parameters.find((x: OperationParameter) => x.name === name);
      return [name, String(fakeValue(p?.schema ?? { type: 'string' }, name, { faker: seededFaker(7), resolve }))];
    }),
  );
  const fill = (path: string, id?: unknown) =>
    path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(name === r.idParam ? String(id) : (parents[name] ?? 'x')));
  const expect2xx = (what: string, res: { status: number; text: string }) => {
    if (res.status < 200 || res.status > 299) problems.push(`${r.name}: ${what} answered ${res.status} ${res.text.slice(0, 300)}`);
    return res.status >= 200 && res.status <= 299;
  };

  let id: unknown;
  const create = op('create');
  if (create) {
    const created = await call('POST', fill(r.collectionPath), bodyFor(create, resolve, 1));
    if (!expect2xx('create', created)) return problems;
    id = findId(created.body, r.idField);
    // An invalid body: a JSON array where the document asks for an object.
    const schema = create.body ? Object.entries(create.body.content).find(([type]) => /json/i.test(type))?.[1] : undefined;
    const asked = schema === undefined ? {} : resolve(schema);
    if (asked.type === 'object' || asked.properties) {
      const invalid = await call('POST', fill(r.collectionPath), []);
      const pointer = (invalid.body as { errors?: { pointer?: string }[] } | undefined)?.errors?.[0]?.pointer;
      if (invalid.status !== 400 || !pointer?.startsWith('/body')) problems.push(`${r.name}: an invalid body answered ${invalid.status} ${invalid.text.slice(0, 200)}`);
    }
  }
  const list = op('list');
  if (list) {
    const listed = await call('GET', fill(r.collectionPath));
    if (expect2xx('list', listed) && id !== undefined && !holds(listed.body, r.idField, id)) problems.push(`${r.name}: the list lacks the created ${r.idField} ${String(id)}`);
    if (id === undefined) id = findId(listed.body, r.idField);
  }
  // Where nothing creates or lists, a PUT to a new id puts the item there.
  if (id === undefined && op('replace') && !create) {
    const param = op('replace')!.parameters.find((p) => p.name === r.idParam);
    id = fakeValue(param?.schema ?? { type: 'string' }, r.idParam, { faker: seededFaker(3), resolve });
    expect2xx('put to a new id', await call('PUT', fill(r.itemPath, id), bodyFor(op('replace'), resolve, 3)));
  }
  if (id === undefined) return [...problems, `${r.name}: no item id to read (${r.idField})`];
  const itemPath = fill(r.itemPath, id);
  if (op('get')) {
    const read = await call('GET', itemPath);
    if (expect2xx('read', read) && !holds(read.body, r.idField, id)) problems.push(`${r.name}: read answered another item: ${read.text.slice(0, 200)}`);
  }
  for (const [action, method] of [['merge', 'PATCH'], ['replace', 'PUT']] as const) {
    const update = op(action);
    if (update) expect2xx(action, await call(method, itemPath, bodyFor(update, resolve, 2)));
  }
  if (op('remove')) {
    if (expect2xx('delete', await call('DELETE', itemPath)) && op('get')) {
      const gone = await call('GET', itemPath);
      if (gone.status !== 404) problems.push(`${r.name}: after the delete, a read answered ${gone.status}`);
    }
  }
  return problems;
}

function findId(value: unknown, field: string): unknown {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findId(v, field);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (record[field] !== undefined && typeof record[field] !== 'object') return record[field];
  return findId(Object.values(record).filter((v) => v && typeof v === 'object'), field);
}

describe.each(documents.map((file) => [file.slice(dir.length), file]))('%s, stateful', (_name, file) => {
  it('makes a round trip through every inferred resource, strictly within the document', { timeout: 120_000 }, async () => {
    const doc = await loadDocument(file);
    const operations = listOperations(doc);
    const map = inferResources(doc, operations);
    const sb = await serveProcess(['--memory', '--strict', '--no-auth', '--seed-items', '2', '--spec', file]);
    try {
      const call: Call = async (method, path, body) => {
        const res = await fetch(`${sb.url}${path}`, {
          method,
          headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        return { status: res.status, text, body: parsed };
      };
      const ops = new Map(operations.map((op) => [op.operationId, op]));
      const problems: string[] = [];
      for (const r of map.resources) problems.push(...(await roundTrip(r, ops, schemaResolver(doc), call)));
      expect(problems, `${problems.length} of ${map.resources.length} resources:\n${problems.join('\n')}`).toEqual([]);
      expect(sb.output()).not.toContain('response contract violation');
    } finally {
      await stopProcess(sb.child);
    }
  });
});
