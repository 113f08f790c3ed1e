// Rewrites the success answers' examples of both specs with what a fresh default world answers to
// their request examples, so that a fixture change is one command, not a hundred hand edits:
//
//   npx tsx scripts/refresh-spec-examples.ts     # then review the diff, npm run types, npm test
//
// The request examples stay as written (they are the partner's side); each one is sent in
// x-example-order (test/support/spec-examples.ts) and its answer replaces the `value` of the
// response example the spec pairs with it (the same name, else the first; a shared example under
// components/examples is written by the first operation that uses it). Runtime ids the sandbox gave
// are written back as the placeholders the examples use. Lists are cut to their first entries (the
// `pagination` stays true); summaries, problem examples and everything else are left alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { Document, isScalar, parseDocument, visit, type Pair, type YAMLMap } from 'yaml';
import { resolveLocal } from '../src/contract/operations.ts';
import { valueAt } from '../src/contract/json-pointer.ts';
import { loadSpecs, requestExamples, serveFreshWorld } from '../test/support/spec-examples.ts';

/** How many list entries an example keeps (default 1): short lists are shown whole. */
const KEEP: Record<string, number> = {
  listLabels: 99, listLocations: 99, listProductVariants: 99, listTenants: 99, listWebhooks: 99, listApiKeys: 99,
  listOAuthClients: 99, listSnapshots: 99, listCampaignPrices: 99, listScenarios: 2, listBrands: 2,
};
const EXPORT_TABLES = ['categories', 'brands', 'labels', 'locations', 'products', 'inventory', 'reservations', 'orders', 'shipments', 'returns', 'webhooks', 'deliveries', 'jobs'];

/** The part of an answer an example shows. */
function excerpt(operationId: string, body: any): any {
  if (operationId === 'listCategories') return { data: body.data.filter((root: any) => root.name === 'Electronics') };
  if (operationId === 'advanceClock') return { ...body, moves: body.moves.slice(0, 3) };
  if (operationId === 'exportState') {
    // Each entity table cut to its first entry (the sync job rather than the bulk one, whose results name runtime ids).
    const first = (table: string, value: any) =>
      Array.isArray(value) ? value.slice(0, 1) : Object.fromEntries(Object.entries<any>(value).filter(([, v]) => table !== 'jobs' || v.type === 'inventory_sync').slice(0, 1));
    return { ...body, state: Object.fromEntries(EXPORT_TABLES.map((t) => [t, first(t, body.state[t])])) };
  }
  return body && Array.isArray(body.data) ? { ...body, data: body.data.slice(0, KEEP[operationId] ?? 1) } : body;
}

/** Runtime values back to the placeholders the examples use (keys of maps included). */
function asDocumented<T>(value: T, placeholders: Map<string, string>): T {
  if (typeof value === 'string') return (placeholders.get(value) ?? value.replace(/\b[a-z]+_[A-Za-z0-9_]+\b/g, (t) => placeholders.get(t) ?? t)) as T;
  if (Array.isArray(value)) return value.map((v) => asDocumented(v, placeholders)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [asDocumented(k, placeholders), asDocumented(v, placeholders)])) as T;
  return value;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
const YAML11_WORDS = /^(yes|no|on|off|y|n|true|false|null)$/i;

/** YAML in the specs' style: small scalar maps and lists inline, timestamps and yes/no quoted. */
function render(value: unknown, indent: number): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && (TIMESTAMP.test(node.value) || YAML11_WORDS.test(node.value))) node.type = 'QUOTE_DOUBLE';
    },
    Map(_, node) {
      if (node.items.every((p) => isScalar(p.value)) && JSON.stringify(node.toJSON()).length < 90) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i)) && JSON.stringify(node.toJSON()).length < 90) node.flow = true;
    },
  });
  const lines = doc.toString({ lineWidth: 0, indent: 2, flowCollectionPadding: false }).replace(/\n$/, '').split('\n');
  return lines.map((line, i) => (i === 0 ? line : ' '.repeat(indent) + line)).join('\n');
}

interface Edit {
  file: string;
  keys: string[];
  value: unknown;
}

const specs = await loadSpecs();
const world = await serveFreshWorld();
const edits: Edit[] = [];
const written = new Set<string>();
try {
  for (const spec of specs) {
    for (const example of requestExamples(spec).examples) {
      const res = await world.runner.run(example);
      if (res.status !== example.status) throw new Error(`${spec.file} ${example.operationId} answered ${res.status}, not ${example.status}: ${JSON.stringify(res.body)}`);
      if (!res.contentType?.includes('json')) continue;
      const mediaKeys = ['paths', example.path, example.method.toLowerCase(), 'responses', String(example.status), 'content', 'application/json'];
      const media = valueAt(spec.doc, mediaKeys) as { example?: unknown; examples?: Record<string, { $ref?: string }> };
      let keys: string[];
      if (media.example !== undefined) keys = [...mediaKeys, 'example'];
      else {
        const names = Object.keys(media.examples ?? {});
        const name = names.includes(example.name) ? example.name : names[0]!;
        const ref: string | undefined = media.examples?.[name]?.$ref;
        keys = ref ? [...ref.slice(2).split('/'), 'value'] : [...mediaKeys, 'examples', name, 'value'];
        if (ref) resolveLocal(spec.doc, media.examples![name]!); // a broken $ref fails here, not half-way through writing
      }
      const id = `${spec.file} ${keys.join('/')}`;
      if (written.has(id)) continue;
      written.add(id);
      const documented = new Map([...world.runner.placeholders].map(([placeholder, actual]) => [actual, placeholder]));
      edits.push({ file: spec.file, keys, value: asDocumented(excerpt(example.operationId, res.body), documented) });
    }
  }
} finally {
  await world.close();
}

// Each value is replaced in the file's text, so comments, order and style elsewhere stay as they are.
for (const spec of specs) {
  let text = readFileSync(spec.file, 'utf8');
  const doc = parseDocument(text);
  const spans = edits
    .filter((e) => e.file === spec.file)
    .map((e) => {
      const parent = doc.getIn(e.keys.slice(0, -1)) as YAMLMap;
      const pair = parent.items.find((p: Pair<any, any>) => String(p.key.value) === e.keys.at(-1)) as Pair<any, any>;
      const start: number = pair.key.range[0];
      const column = start - (text.lastIndexOf('\n', start) + 1);
      const end: number = pair.value.range[1];
      const rendered = render(e.value, column + 2);
      const inline = !rendered.includes('\n') && (/^[[{"']/.test(rendered) || typeof e.value !== 'object' || e.value === null);
      return { start, end, text: `${e.keys.at(-1)}:${inline ? ' ' : `\n${' '.repeat(column + 2)}`}${rendered}` };
    })
    .sort((a, b) => b.start - a.start);
  for (const span of spans) {
    const trailing = /\s*$/.exec(text.slice(span.start, span.end))![0];
    text = text.slice(0, span.start) + span.text + trailing + text.slice(span.end);
  }
  writeFileSync(spec.file, text);
  console.log(`${spec.file}: ${spans.length} answer examples rewritten`);
}
