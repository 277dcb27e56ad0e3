import { z } from 'zod';
import { previewConditions } from '../../machines/conditions.js';
import { PreviewConditionsBody } from '../../model/condition.js';
import { defineRoute } from '../route.js';

export const postConditionsPreview = defineRoute({
  method: 'POST',
  path: '/v1/conditions/preview',
  operationId: 'previewConditions',
  summary: 'Which machines these conditions select, with counts',
  description:
    'A condition is exactly one of: field (with op and value), tags (include/exclude, key or key=value), ids, ' +
    'age (olderThan, from when Nimbo first saw the machine), all, any, not. Missing machines never match. ' +
    'Anything outside this grammar answers 422 naming the offending part.',
  tag: 'conditions',
  auth: 'viewer',
  body: PreviewConditionsBody,
  invalidBodyStatus: 422,
  responses: {
    200: {
      description: 'The count, the count per state, and the first matching machines by name',
      schema: z
        .object({
          count: z.number().int(),
          byState: z.record(z.string(), z.number().int()),
          items: z.array(
            z.object({ id: z.string(), name: z.string(), state: z.string(), cloudId: z.string() }),
          ),
        })
        .meta({ id: 'ConditionsPreview' }),
    },
  },
  handler: async ({ body, actor, deps }) => {
    const d = await deps();
    return { status: 200, body: await previewConditions(d, actor.orgId, body.conditions, body.limit) };
  },
});
