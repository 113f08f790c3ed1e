// graphql-js, loaded as the one CommonJS instance the GraphQL libraries (graphql-query-complexity,
// graphql-armor) require: graphql 16 also ships an ES module build, which bundlers (vitest's vite)
// pick for `import`, and two instances refuse each other's types ("from another module or realm").
import { createRequire } from 'node:module';

const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export const { buildSchema, subscribe, execute, GraphQLError, GraphQLObjectType, GraphQLUnionType, parse, specifiedRules, validate } = graphql;
export type { DocumentNode, ExecutionResult, GraphQLFieldResolver, GraphQLSchema, OperationDefinitionNode } from 'graphql';
export type GraphQLError = import('graphql').GraphQLError;
