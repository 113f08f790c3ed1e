// The policy contract (src/server/policy.ts) through a real socket: the order of the steps, what
// an error does, headers on every answer, a policy that waits, and a dropped connection.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations } from '../../src/contract/operations.ts';
import type { SandboxEnv } from '../../src/server/env.ts';
import { policyChain, policiesFor, type AnswerError, type Policy, type ServeOperation } from '../../src/server/policy.ts';
import { Problem, problemResponse } from '../../src/server/problem.ts';

const doc = {
  openapi: '3.1.0',
  info: { title: 'policy chain', version: '1' },
  paths: {
    '/things': { get: { operationId: 'listThings', responses: { '200': { description: 'ok' } } }, post: { operationId: 'createThing', responses: { '201': { description: 'ok' } } } },
  },
};

class Dropped extends Error {}

describe('the policy contract', () => {
  let server: ServerType;
  let base: string;
  const steps: string[] = [];

  const trace = (name: string, extra: Partial<Policy> = {}): Policy => ({
    name,
    before: () => void steps.push(`${name}.before`),
    after: (c) => void steps.push(`${name}.after ${c.res.status}`),
    dropped: () => void steps.push(`${name}.dropped`),
    ...extra,
  });

  beforeAll(async () => {
    const app = new Hono<SandboxEnv>();
    // As the app's: the answer is built with the policies' header record the runner hands over.
    const onError: AnswerError = (error, _c, headers) => {
      if (error instanceof Dropped) throw error;
      return problemResponse(error instanceof Problem ? error : new Problem(500, 'internal_error', error.message), undefined, undefined, headers);
    };
    const policies: Policy[] = [
      trace('outer', { headers: (_c, into) => void (into['x-outer'] = 'yes') }),
      trace('writes-only', { appliesTo: (op) => op.method === 'post' }),
      trace('gate', {
        // Waits (a promise) only when asked to; refuses or drops on request.
        before(c) {
          steps.push('gate.before');
          const ask = c.req.query('gate');
          if (ask === 'refuse') throw new Problem(403, 'refused', 'The gate refused.');
          if (ask === 'drop') throw new Dropped('dropped');
          c.set('credential', 'api_key');
          if (ask === 'wait') return new Promise<void>((resolve) => setImmediate(resolve));
          if (ask === 'answer') return new Response('{"kept":true}', { status: 200, headers: { 'content-type': 'application/json' } });
          if (ask === 'answer-later') return new Promise<Response>((resolve) => setImmediate(() => resolve(new Response(null, { status: 204 }))));
        },
        // Reads what its before set: missing when the before never got that far.
        headers: (c, into) => void (into['x-gate'] = c.get('credential') ? 'passed' : 'not-reached'),
      }),
      trace('inner'),
    ];
    const serveOp: ServeOperation = (c, headers) => {
      steps.push('serve');
      if (c.req.query('fail')) throw new Problem(409, 'conflict', 'The handler refused.');
      return new Response('{}', { status: c.req.method === 'POST' ? 201 : 200, headers: { ...headers, 'content-type': 'application/json' } });
    };
    for (const op of listOperations(doc)) app.on(op.method.toUpperCase(), op.routePath, policyChain(op, policiesFor(op, policies), serveOp, onError));
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = async (path: string, method = 'GET') => {
    steps.length = 0;
    const res = await fetch(base + path, { method });
    return { status: res.status, outer: res.headers.get('x-outer'), gate: res.headers.get('x-gate'), steps: [...steps] };
  };

  it('runs the befores in order, then the operation, then the afters innermost first; appliesTo leaves a policy out', async () => {
    expect(await call('/things')).toEqual({
      status: 200,
      outer: 'yes',
      gate: 'passed',
      steps: ['outer.before', 'gate.before', 'inner.before', 'serve', 'inner.after 200', 'gate.after 200', 'outer.after 200'],
    });
    expect((await call('/things', 'POST')).steps).toEqual([
      'outer.before', 'writes-only.before', 'gate.before', 'inner.before', 'serve', 'inner.after 201', 'gate.after 201', 'writes-only.after 201', 'outer.after 201',
    ]);
  });

  it('a policy that waits continues the same way', async () => {
    expect((await call('/things?gate=wait')).steps).toEqual(['outer.before', 'gate.before', 'inner.before', 'serve', 'inner.after 200', 'gate.after 200', 'outer.after 200']);
  });

  it('a before that throws answers instead: only the policies outside it run their after, and every policy puts its headers on the answer', async () => {
    expect(await call('/things?gate=refuse')).toEqual({ status: 403, outer: 'yes', gate: 'not-reached', steps: ['outer.before', 'gate.before', 'outer.after 403'] });
  });

  it('a before that returns a Response answers with it: the operation and its own after do not run, the outer ones do, and it gets the headers', async () => {
    expect(await call('/things?gate=answer')).toEqual({ status: 200, outer: 'yes', gate: 'passed', steps: ['outer.before', 'gate.before', 'outer.after 200'] });
    expect(await call('/things?gate=answer-later')).toEqual({ status: 204, outer: 'yes', gate: 'passed', steps: ['outer.before', 'gate.before', 'outer.after 204'] });
  });

  it("the operation's error becomes the answer every after sees, with the policies' headers", async () => {
    expect(await call('/things?fail=1')).toEqual({
      status: 409,
      outer: 'yes',
      gate: 'passed',
      steps: ['outer.before', 'gate.before', 'inner.before', 'serve', 'inner.after 409', 'gate.after 409', 'outer.after 409'],
    });
  });

  it('an error the error handler rethrows unwinds through dropped, and no answer is sent', async () => {
    steps.length = 0;
    const outcome = await fetch(`${base}/things?gate=drop`).then(
      (res) => res.status,
      () => 'no answer',
    );
    // @hono/node-server answers an unhandled error with a bare 500; the point is the unwinding.
    expect(outcome === 'no answer' || outcome === 500).toBe(true);
    expect(steps).toEqual(['outer.before', 'gate.before', 'outer.dropped']);
  });
});
