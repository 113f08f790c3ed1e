// Real public OpenAPI documents (test/fixtures/specs/SOURCES.md) load with `serve --spec` and
// answer: OpenAPI 3.0 and 3.1, small examples and DigitalOcean's 659 operations.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listOperations, loadDocument, type Operation } from '../../src/contract/operations.ts';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';

const dir = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));
const documents = [...readdirSync(`${dir}oai`).map((f) => `${dir}oai/${f}`), `${dir}digitalocean.openapi.json`];
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
