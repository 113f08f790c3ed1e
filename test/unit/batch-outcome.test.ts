// The one rule behind an availability batch's answer and a bulk job's final state.
import { describe, expect, it } from 'vitest';
import { batchOutcome, finishedJobState } from '../../src/domain/batch-outcome.ts';

describe('batch outcome', () => {
  it('is complete without failures, partial with some, failed when nothing went through', () => {
    expect(batchOutcome(3, 0)).toBe('complete');
    expect(batchOutcome(1, 2)).toBe('partial');
    expect(batchOutcome(0, 2)).toBe('failed');
  });

  it('names the final state of a job', () => {
    expect(finishedJobState({ succeeded: 10_000, failed: 0 })).toBe('completed');
    expect(finishedJobState({ succeeded: 2, failed: 1 })).toBe('completed_with_errors');
    expect(finishedJobState({ succeeded: 0, failed: 3 })).toBe('failed');
  });
});
