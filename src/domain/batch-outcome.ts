// How a batch ended, from how many of its items went through: the one rule behind the answer of
// an availability batch and the final state of a bulk job, so that neither reports success for a
// batch that did nothing.
//   - complete: every item went through;
//   - partial:  some did, the others are listed with their errors;
//   - failed:   none did (the batch changed nothing).
export type BatchOutcome = 'complete' | 'partial' | 'failed';

/** `succeeded` counts items applied or already as asked; `failed` the rejected ones. */
export function batchOutcome(succeeded: number, failed: number): BatchOutcome {
  if (failed === 0) return 'complete';
  return succeeded === 0 ? 'failed' : 'partial';
}

/** The state a job ends in once all its lines are processed. */
export function finishedJobState(progress: { succeeded: number; failed: number }): 'completed' | 'completed_with_errors' | 'failed' {
  const outcome = batchOutcome(progress.succeeded, progress.failed);
  return outcome === 'complete' ? 'completed' : outcome === 'partial' ? 'completed_with_errors' : 'failed';
}
