// /graphql: the partner API through GraphQL (src/graphql/). The pipeline has authenticated the
// caller and validated the request's shape; this runs the document with the caller's scopes and
// tenant, and names the operation for the journal.
import type { GraphqlRequest } from '../graphql/execute.ts';
import type { RestApi } from '../graphql/rest-call.ts';
import type { ExecutionResult } from '../graphql/graphql-js.ts';
import type { HandlerContext, Handlers, MarketplaceOperationId, WireReply } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import type { RequestContext } from '../server/policy.ts';
import { invalid } from '../server/problem.ts';
import { EVENT_STREAM_TYPE, type EventStream } from '../server/event-stream.ts';

/** GraphQL over SSE, distinct connections: `event: next` per result, `event: complete` when the subscription ends. */
function subscriptionStream(ctx: HandlerContext, results: AsyncIterable<ExecutionResult>): EventStream {
  const stream = ctx.streams!.open();
  const iterator = results[Symbol.asyncIterator]();
  stream.onClose(() => void iterator.return?.());
  void (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (!stream.send({ event: 'next', data: JSON.stringify(next.value) })) break;
    }
    stream.send({ event: 'complete', data: '' });
    stream.close();
  })();
  return stream;
}

export function graphqlHandlers(api: () => RestApi): Handlers<MarketplaceOperationId> {
  const run = async (request: GraphqlRequest, ctx: HandlerContext, c: RequestContext | undefined, mutations: boolean) => {
    if (!c) throw new Error('/graphql needs its request context.');
    const caller = { tenant: requireTenant(ctx), ctx, scopes: c.get('grantedScopes'), request: c, passes: 0 };
    // graphql-js and the schema load on the first GraphQL request, not at start.
    const { runGraphql } = await import('../graphql/execute.ts');
    const { result, results, label } = await runGraphql(api(), caller, request, { mutations });
    c.set('graphqlOperation', label);
    if (results) return { status: 200, body: '', contentType: EVENT_STREAM_TYPE, stream: subscriptionStream(ctx, results) } as WireReply as { status: 200; body: Record<string, unknown> };
    return { status: 200, body: result } as WireReply as { status: 200; body: Record<string, unknown> };
  };
  return {
    queryGraphql: ({ body }, ctx, c) => run(body, ctx, c, true),
    queryGraphqlGet: ({ query }, ctx, c) => {
      let variables: Record<string, unknown> | undefined;
      if (query.variables !== undefined) {
        try {
          variables = JSON.parse(query.variables) as Record<string, unknown>;
        } catch {
          variables = undefined;
        }
        if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) throw invalid([{ pointer: '/query/variables', message: 'must be a JSON object, e.g. {"id":"prod_0gu6dt60"}' }]);
      }
      return run({ query: query.query, operationName: query.operationName, variables }, ctx, c, false);
    },
  };
}
