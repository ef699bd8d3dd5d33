/** Asserting refusals: the one helper every service test uses to expect a ForgelineError's code. */
import { expect } from 'vitest';
import { ForgelineError, type ErrorCode } from '../../src/domain/index.js';

/** Awaits `promise`, which must reject with a ForgelineError of `code`; answers the error for further checks. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<ForgelineError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected the refusal ${code}, but it succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ForgelineError);
  expect((error as ForgelineError).code).toBe(code);
  return error as ForgelineError;
}
