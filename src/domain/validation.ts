import type { z } from 'zod';
import { ForgelineError, type FieldProblem } from './errors.js';

/** Turns zod's issues into field problems a user can act on ("quantity.value: must be more than zero"). */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Parses input with a schema, or throws a `validation-failed` error listing every problem at once. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error);
  const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
  throw new ForgelineError('validation-failed', `Invalid ${what}: ${summary}`, { problems });
}
