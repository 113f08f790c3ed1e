// Writes docs/control-api.md from specs/sandbox-admin.openapi.yaml: the reference of every control
// API operation, grouped by tag in the spec's order. `npm run docs` runs it;
// test/docs/generated-docs.test.ts fails when the page and the spec disagree.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CONTROL_API_PAGE = `${ROOT}docs/control-api.md`;
const SPEC = `${ROOT}specs/sandbox-admin.openapi.yaml`;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
/** One line for a table cell: the first paragraph, pipes escaped. */
const cell = (v: unknown): string => text(v).split(/\n\s*\n/)[0]!.replace(/\s+/g, ' ').replace(/\|/g, '\\|');

function resolve(doc: Node, node: unknown): Node {
  let at = node;
  for (let i = 0; i < 10 && isNode(at) && typeof at.$ref === 'string'; i++) {
    at = (at.$ref as string).slice(2).split('/').reduce<unknown>((n, key) => (isNode(n) ? n[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
  }
  return isNode(at) ? at : {};
}

function typeOf(doc: Node, schema: unknown): string {
  const s = resolve(doc, schema);
  if (isNode(schema) && typeof schema.$ref === 'string') return `\`${(schema.$ref as string).split('/').pop()}\``;
  if (Array.isArray(s.enum)) return s.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) return ((s.oneOf ?? s.anyOf) as unknown[]).map((x) => typeOf(doc, x)).join(' or ');
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : text(s.type) || 'object';
  if (t === 'array') return `array of ${typeOf(doc, s.items)}`;
  return t;
}

/** The Markdown of the page. */
export async function controlApiPage(): Promise<string> {
  const doc = parse(await readFile(SPEC, 'utf8')) as Node;
  const info = resolve(doc, doc.info);
  const tags = (Array.isArray(doc.tags) ? doc.tags : []).filter(isNode);
  const byTag = new Map<string, string[]>(tags.map((t) => [text(t.name), []]));
  const paths = resolve(doc, doc.paths);
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolve(doc, rawItem);
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      if (!isNode(item[method])) continue;
      const op = item[method] as Node;
      const out: string[] = [`### \`${method.toUpperCase()} ${path}\``, '', `**${text(op.summary)}** (\`${text(op.operationId)}\`)${Array.isArray(op.security) && op.security.length === 0 ? ', no token needed' : Array.isArray(op.security) && op.security.some((alt: object) => 'partnerCredential' in alt) ? ", admin token or the tenant's own key or access token (acts on that tenant only)" : ''}`, ''];
      if (text(op.description)) out.push(text(op.description), '');
      const params = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])].map((p) => resolve(doc, p));
      if (params.length) {
        out.push('| parameter | in | type | description |', '|---|---|---|---|');
        for (const p of params) out.push(`| \`${text(p.name)}\`${p.required ? ' (required)' : ''} | ${text(p.in)} | ${typeOf(doc, p.schema)} | ${cell(p.description)} |`);
        out.push('');
      }
      const body = resolve(doc, op.requestBody);
      const media = isNode(body.content) ? (resolve(doc, body.content['application/json']) as Node) : {};
      const schema = resolve(doc, media.schema);
      if (isNode(schema.properties)) {
        const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
        out.push(`Request body (application/json${body.required ? ', required' : ''}):`, '', '| member | type | description |', '|---|---|---|');
        for (const [name, prop] of Object.entries(schema.properties)) out.push(`| \`${name}\`${required.has(name) ? ' (required)' : ''} | ${typeOf(doc, prop)} | ${cell(resolve(doc, prop).description)} |`);
        out.push('');
      } else if (isNode(media.schema)) {
        out.push(`Request body (application/json${body.required ? ', required' : ''}): ${typeOf(doc, media.schema)}.`, '');
      }
      const responses = resolve(doc, op.responses);
      out.push('| answer | meaning |', '|---|---|');
      for (const [status, raw] of Object.entries(responses)) {
        const r = resolve(doc, raw);
        const content = isNode(r.content) ? Object.values(r.content).map((m) => resolve(doc, m)) : [];
        const returns = content[0]?.schema ? ` (${typeOf(doc, content[0].schema)})` : '';
        out.push(`| ${status}${returns} | ${cell(r.description)} |`);
      }
      out.push('');
      const tag = Array.isArray(op.tags) && op.tags.length ? String(op.tags[0]) : 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(out.join('\n'));
    }
  }
  const lines = [
    '# Control API reference',
    '',
    '<!-- Generated from specs/sandbox-admin.openapi.yaml by `npm run docs`: edit the spec, not this page. -->',
    '',
    text(info.description),
    '',
    'Every answer that is not a success is `application/problem+json` with a stable `code`. The',
    'document itself, with an example for each operation, is `specs/sandbox-admin.openapi.yaml`.',
    '',
  ];
  for (const tag of tags) if (byTag.get(text(tag.name))?.length) lines.push(`- [${text(tag.name)}](#${text(tag.name).toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}): ${cell(tag.description)}`);
  lines.push('');
  for (const [tag, ops] of byTag) {
    if (!ops.length) continue;
    const described = tags.find((t) => text(t.name) === tag);
    lines.push(`## ${tag}`, '');
    if (described && text(described.description)) lines.push(text(described.description), '');
    lines.push(...ops);
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(CONTROL_API_PAGE, await controlApiPage());
  console.log(`wrote ${CONTROL_API_PAGE}`);
}
