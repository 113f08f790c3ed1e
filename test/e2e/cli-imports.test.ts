// A CLI command loads only what it runs: `--version`, `--help` and the client commands (reset,
// snapshot, sla, webhook-sla, conformance, verify-pact --url) never load the server, Prism or the
// store; `export postman` no server; `serve` none of the reference pages until they are asked for. Checked on the build (dist/, as the bin runs it) by following every static import from
// the entry module: what a command imports dynamically, in its action, is loaded only when it runs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Every module and package reached from `entry` through static imports (not `import()`). */
function staticGraph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(/^\s*(?:import|export)\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(entry);
  return { modules, packages };
}

const relative = (modules: Set<string>) => [...modules].map((m) => m.slice(dist.length)).sort();
const SERVER_PACKAGES = ['hono', '@hono/node-server', '@stoplight/prism-http', 'lowdb', 'ajv', '@faker-js/faker'];

describe('what a command loads', () => {
  it('the build exists (npm run build, which npm ci runs)', () => {
    expect(existsSync(`${dist}cli.js`), 'run `npm run build`').toBe(true);
  });

  it('--version, --help and every command definition load none of the server', () => {
    const { modules, packages } = staticGraph(`${dist}cli.js`);
    expect(relative(modules).filter((m) => m.startsWith('server/') || m.startsWith('store/') || m.startsWith('handlers/'))).toEqual([]);
    expect([...packages].filter((p) => SERVER_PACKAGES.includes(p))).toEqual([]);
  });

  it('the control-API client commands load none of the server either', () => {
    const { modules, packages } = staticGraph(`${dist}scenarios/commands.js`);
    expect(relative(modules).filter((m) => m.startsWith('server/') || m.startsWith('store/') || m.startsWith('handlers/'))).toEqual([]);
    expect([...packages].filter((p) => SERVER_PACKAGES.includes(p))).toEqual([]);
  });

  it('export postman loads no server, and the converter only when a conversion is needed', () => {
    const { modules, packages } = staticGraph(`${dist}reference/postman-export.js`);
    expect(relative(modules).filter((m) => m.startsWith('server/') || m.startsWith('handlers/'))).toEqual([]);
    // (The default tenants' key comes from the store module, which brings lowdb, ajv and faker; no HTTP server.)
    expect([...packages].filter((p) => ['hono', '@hono/node-server', '@stoplight/prism-http', 'openapi-to-postmanv2', 'swagger-ui-dist'].includes(p))).toEqual([]);
  });

  it('serve loads none of the reference (docs page, documents, Postman) until a request asks for it', () => {
    const { modules, packages } = staticGraph(`${dist}server/serve.js`);
    expect(relative(modules).filter((m) => m.startsWith('reference/'))).toEqual(['reference/index.js']);
    expect([...packages].filter((p) => ['openapi-to-postmanv2', 'swagger-ui-dist', 'openapi-fetch'].includes(p))).toEqual([]);
  });

  it('the checks run against a sandbox over HTTP: sla, webhook-sla and conformance load no server', () => {
    for (const runner of ['checks/sla-run.js', 'checks/webhook-sla.js', 'checks/conformance-run.js']) {
      const { modules, packages } = staticGraph(`${dist}${runner}`);
      expect(relative(modules).filter((m) => m.startsWith('server/') || m.startsWith('store/') || m.startsWith('handlers/')), runner).toEqual([]);
      expect([...packages].filter((p) => ['hono', '@hono/node-server', '@stoplight/prism-http', 'lowdb'].includes(p)), runner).toEqual([]);
    }
  });
});
