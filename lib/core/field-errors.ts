/** Semantic validation failures (CIDRs, record values, names): 422 naming every offending field. */
import { UnprocessableError } from './errors.js';

export interface FieldProblem {
  path: string;
  message: string;
}

export function unprocessable(problems: FieldProblem[], in_: 'body' | 'query' = 'body'): UnprocessableError {
  const summary = problems
    .slice(0, 5)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  return new UnprocessableError(`Invalid request ${in_}: ${summary}`, {
    details: { errors: problems.map((p) => ({ in: in_, ...p })) },
  });
}
