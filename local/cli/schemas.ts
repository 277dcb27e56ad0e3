/**
 * Writes the published JSON Schemas (schemas/*.schema.json) from the zod schemas that validate the
 * messages: `npm run schemas`. A test fails when a committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandJsonSchema } from '../../lib/model/command.js';
import { eventJsonSchema } from '../../lib/model/events/event.js';

export const PUBLISHED_SCHEMAS: Record<string, () => Record<string, unknown>> = {
  'command.v1.schema.json': commandJsonSchema,
  'event.v1.schema.json': eventJsonSchema,
};

export function renderSchema(make: () => Record<string, unknown>): string {
  return `${JSON.stringify(make(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(import.meta.dirname, '..', '..', 'schemas');
  for (const [file, make] of Object.entries(PUBLISHED_SCHEMAS)) {
    writeFileSync(join(dir, file), renderSchema(make));
    console.log(`wrote schemas/${file}`);
  }
}
