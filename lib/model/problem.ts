import { z } from 'zod';

/** RFC 9457 problem details, as every error reply carries them. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().describe('Stable machine-readable error code'),
    instance: z.string().optional().describe('urn:nimbo:request:<request id>'),
    errors: z
      .array(z.object({ in: z.enum(['path', 'query', 'body']), path: z.string(), message: z.string() }))
      .optional()
      .describe('Field errors of a 400'),
  })
  .meta({ id: 'Problem' });
