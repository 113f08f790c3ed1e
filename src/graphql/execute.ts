// Running a GraphQL request on graphql-js: the schema is built once from specs/marketplace.graphql
// with the resolvers attached; each document is parsed and validated once (a small cache keyed by
// its text), under a depth limit (graphql-armor) and a cost limit (graphql-query-complexity, each
// list times its `first`; computed once for a document without variables, else on each run), before
// it runs with the caller's loaders.
import { readFileSync } from 'node:fs';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  buildSchema,
  subscribe,
  execute,
  GraphQLError,
  GraphQLObjectType,
  GraphQLUnionType,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from './graphql-js.ts';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { GRAPHQL_SCHEMA } from '../sandbox-files.ts';
import { loadersFor } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import type { Caller, RestApi } from './rest-call.ts';

export const MAX_DEPTH = 10;
export const MAX_COST = 5000;
const CACHE_SIZE = 500;

let built: GraphQLSchema | undefined;

/** The schema with its resolvers (built on the first GraphQL request). */
export function graphqlSchema(): GraphQLSchema {
  if (built) return built;
  const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA, 'utf8'));
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (type instanceof GraphQLUnionType) {
      type.resolveType = fields.__resolveType as import('graphql').GraphQLUnionType['resolveType'];
      continue;
    }
    if (!(type instanceof GraphQLObjectType)) throw new Error(`resolvers.ts serves ${typeName}, which the schema has not.`);
    const own = type.getFields();
    if (typeName === 'Subscription') {
      for (const [name, subscribe] of Object.entries(fields)) {
        own[name]!.subscribe = subscribe as never;
        own[name]!.resolve = (payload: Record<string, unknown>) => payload[name];
      }
      continue;
    }
    for (const [name, resolve] of Object.entries(fields)) {
      if (!own[name]) throw new Error(`resolvers.ts serves ${typeName}.${name}, which the schema has not.`);
      own[name].resolve = resolve as never;
    }
  }
  return (built = schema);
}

/** A list field costs its `first` times what one item selects. */
const firstTimes: ComplexityEstimator = ({ args, childComplexity }) => (typeof args.first === 'number' ? Math.max(1, args.first) * Math.max(1, childComplexity) : undefined);

interface Prepared {
  document: DocumentNode;
  errors: readonly GraphQLError[];
  /** The cost, known once when the document has no variables (`first: $n` makes it depend on them). */
  cost?: number;
}

const prepared = new Map<string, Prepared>();
const estimators = [firstTimes, simpleEstimator({ defaultComplexity: 1 })];

const depthRule = maxDepthRule({
  n: MAX_DEPTH,
  ignoreIntrospection: true,
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(context, error) => context?.reportError(new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} Select fewer nested levels.`, { extensions: { code: 'query_too_deep', max_depth: MAX_DEPTH } }))],
});
const rules = [...specifiedRules, depthRule];

/** A document parsed and validated once per text (the cache is bounded); its cost checked per run where variables set it. */
function prepare(schema: GraphQLSchema, text: string, variables: Record<string, unknown>, operationName: string | undefined): { document?: DocumentNode; errors: readonly GraphQLError[] } {
  let entry = prepared.get(text);
  if (!entry) {
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: 20_000 });
    } catch (error) {
      return { errors: [withCode(error as GraphQLError, 'graphql_syntax_error')] };
    }
    const errors = validate(schema, document, rules).map((e) => (e.extensions?.code ? e : withCode(e, 'graphql_validation_failed')));
    const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
    const fixedCost = operations.length === 1 && !operations[0]!.variableDefinitions?.length;
    entry = { document, errors };
    if (!errors.length && fixedCost) entry.cost = costOf(schema, document, {}, undefined);
    if (prepared.size < CACHE_SIZE) prepared.set(text, entry);
  }
  if (entry.errors.length) return entry;
  let cost: number;
  try {
    cost = entry.cost ?? costOf(schema, entry.document, variables, operationName);
  } catch (error) {
    // A variable the cost cannot be read from (a wrong type): execution reports it with its place.
    if (error instanceof GraphQLError) return entry;
    throw error;
  }
  if (cost > MAX_COST) {
    return { errors: [new GraphQLError(`The query costs ${cost}, more than the ${MAX_COST} allowed: ask for fewer items (first) or fewer nested lists.`, { extensions: { code: 'query_too_complex', cost, max_cost: MAX_COST } })] };
  }
  return entry;
}

const costOf = (schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): number =>
  getComplexity({ schema, query, variables, operationName, estimators });

const withCode = (error: GraphQLError, code: string) => new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: { ...error.extensions, code } });

export interface GraphqlRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** The operation a request runs: its name, or its type when it has none; null when there is none to run. */
export function operationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (operationName) return operations.find((op) => op.name?.value === operationName) ?? null;
  return operations.length === 1 ? operations[0]! : null;
}

export interface GraphqlRun {
  result: ExecutionResult;
  /** A subscription's results, one per event, until it completes; the first result is `result` when it could not start. */
  results?: AsyncIterable<ExecutionResult>;
  /** The operation's name (or type) for the journal. */
  label: string;
}

export async function runGraphql(api: RestApi, caller: Caller, request: GraphqlRequest, allow: { mutations: boolean }): Promise<GraphqlRun> {
  const schema = graphqlSchema();
  const variables = request.variables ?? {};
  const { document, errors } = prepare(schema, request.query, variables, request.operationName ?? undefined);
  if (!document || errors.length) return { result: { errors }, label: 'invalid' };
  const operation = operationOf(document, request.operationName);
  const label = operation ? (operation.name?.value ?? operation.operation) : 'invalid';
  if (operation?.operation === 'mutation' && !allow.mutations) {
    return { result: { errors: [new GraphQLError(`A ${operation.operation} cannot run over GET; send it with POST /graphql.`, { extensions: { code: 'method_not_allowed' } })] }, label };
  }
  const loaders = loadersFor(api, caller);
  if (operation?.operation === 'subscription') {
    const started = await subscribe({ schema, document, variableValues: variables, operationName: request.operationName ?? undefined, contextValue: { api, caller, loaders } });
    if (!(Symbol.asyncIterator in started)) return { result: { errors: started.errors?.map(codeOf) }, label };
    return { result: {}, results: started, label };
  }
  const result = await execute({ schema, document, variableValues: variables, operationName: request.operationName ?? undefined, contextValue: { api, caller, loaders } });
  const coded = result.errors?.map(codeOf);
  return { result: { ...(coded ? { errors: coded } : {}), data: result.data, extensions: { store_passes: caller.passes } }, label };
}

/** Every error carries a code: the REST problem's, or internal_error for a fault of the sandbox. */
function codeOf(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error;
  if (error.originalError && !(error.originalError instanceof GraphQLError)) {
    console.error(`marketplace-sandbox: GraphQL field ${error.path?.join('.')} failed: ${error.originalError.stack ?? error.originalError.message}`);
    return new GraphQLError('The sandbox failed on this field; the error is in its log.', { nodes: error.nodes, path: error.path, extensions: { code: 'internal_error' } });
  }
  return withCode(error, 'graphql_validation_failed');
}
