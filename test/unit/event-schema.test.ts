/** The published event format, version 1: what receivers may rely on, and what never goes out. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventJsonSchema, NimboEvent } from '../../lib/model/events/event.js';
import { renderSchema } from '../../local/cli/schemas.js';

const machine = {
  machineId: 'machine_01',
  cloudId: 'cloud_01',
  provider: 'hetzner',
  externalId: '42',
  name: 'web-1',
  region: 'fsn1',
};

const stateChanged = {
  id: 'evt_0123456789abcdeF',
  version: 1,
  type: 'machine.state_changed',
  timestamp: '2026-12-04T10:00:00.000Z',
  orgId: 'org_01',
  data: { ...machine, from: 'running', to: 'stopped' },
};

describe('the event format, version 1', () => {
  it('publishes the JSON Schema, the committed file matching the zod schemas', () => {
    const committed = readFileSync(new URL('../../schemas/event.v1.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderSchema(eventJsonSchema));
  });

  it('names every event type the issue asks for, each told apart by its type', () => {
    expect(EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'machine.state_changed',
        'machine.created',
        'machine.missing',
        'machine.unreachable',
        'machine.reachable',
        'job.failed',
        'schedule.run.completed',
        'schedule.upcoming',
        'cloud.poll_failed',
        'cloud.disabled',
      ]),
    );
    const schema = eventJsonSchema() as { oneOf?: unknown[]; anyOf?: unknown[] };
    expect((schema.oneOf ?? schema.anyOf)?.length).toBe(EVENT_TYPES.length);
  });

  it('accepts an event that names its org, resources and time', () => {
    expect(NimboEvent.safeParse(stateChanged).success).toBe(true);
  });

  it('refuses an event carrying anything its type does not name, such as credentials', () => {
    const leaky = { ...stateChanged, data: { ...stateChanged.data, credentials: { token: 'x'.repeat(64) } } };
    expect(NimboEvent.safeParse(leaky).success).toBe(false);
    expect(NimboEvent.safeParse({ ...stateChanged, secret: 'whsec_x' }).success).toBe(false);
  });

  it("refuses an unknown type and another type's data", () => {
    expect(NimboEvent.safeParse({ ...stateChanged, type: 'machine.exploded' }).success).toBe(false);
    expect(NimboEvent.safeParse({ ...stateChanged, type: 'cloud.disabled' }).success).toBe(false);
  });
});
