/**
 * Field-level failures, whoever found them: zod at the edge (malformed: 400) or a domain rule (CIDRs, record
 * values, names: 422). Both name every offending field and summarise the first five in one line.
 */
import type { z } from 'zod';
import { UnprocessableError } from './errors.js';

export interface FieldProblem {
  path: string;
  message: string;
}

/** The first five problems as one line: `path: message; …` (a problem without a path by its message). */
export function summarizeProblems(problems: FieldProblem[]): string {
  return problems
    .slice(0, 5)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join('; ');
}

/** Zod's issues as `path: message` pairs, and their one-line summary. */
export function describeIssues(error: z.ZodError): { issues: FieldProblem[]; summary: string } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return { issues, summary: summarizeProblems(issues) };
}

export function unprocessable(problems: FieldProblem[], in_: 'body' | 'query' = 'body'): UnprocessableError {
  return new UnprocessableError(`Invalid request ${in_}: ${summarizeProblems(problems)}`, {
    details: { errors: problems.map((p) => ({ in: in_, ...p })) },
  });
}
