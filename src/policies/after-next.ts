// Runs a policy's "after the answer" step without making the policy async. Under the pipeline's
// chain (src/server/pipeline.ts) a synchronous rest of the chain returns at once; an async
// policy would still cost a promise and a suspended frame per request for nothing.
// An error from next() (sync or async) skips `then` and goes on up, as `await next()` would.

/** `then()` once `next()`'s result has settled: at once if it is not a promise. */
export function afterNext<T>(result: unknown, then: () => T): T | Promise<T> {
  return result instanceof Promise ? result.then(then) : then();
}
