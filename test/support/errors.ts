/** Assertions about the library's argument errors, shared by the validation and plan-cache tests. */
import assert from 'node:assert/strict';
import { AttentionArgumentError } from '../../src/attention/validate.js';

/** Asserts `fn` throws an AttentionArgumentError about `argument` with exactly `message`. */
export function throwsExactly(fn: () => unknown, argument: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AttentionArgumentError, `expected an AttentionArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.argument, argument);
    return true;
  });
}
