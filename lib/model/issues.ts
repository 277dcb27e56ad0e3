import type { z } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

/** Zod's issues as `path: message` pairs, and a one-line summary of the first five. */
export function describeIssues(error: z.ZodError): { issues: Issue[]; summary: string } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues
    .slice(0, 5)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join('; ');
  return { issues, summary };
}
