/**
 * DigitalOcean's shapes as Nimbo reads them, without a server: droplet states, tags as strings, and
 * which of DigitalOcean's error words mean a wrong power state, a locked droplet or a taken name.
 */
import { describe, expect, it } from 'vitest';
import { classify, describeError } from '../../../lib/providers/digitalocean/client.js';
import { machineState, recordToTags, tagsToRecord } from '../../../lib/providers/digitalocean/mapping.js';
import {
  MachineStateError,
  ProviderConflictError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';

describe('droplet states', () => {
  it('maps new, active, off and archive, and anything else to unknown', () => {
    expect(['new', 'active', 'off', 'archive', 'melting'].map(machineState)).toEqual([
      'pending',
      'running',
      'stopped',
      'terminated',
      'unknown',
    ]);
  });
});

describe('tags', () => {
  it('reads "key:value" as a key and its value (split at the first colon) and a bare word as a key', () => {
    expect(tagsToRecord(['env:prod', 'web', 'url:https:x', 'empty:'])).toEqual({
      env: 'prod',
      web: '',
      url: 'https:x',
      empty: '',
    });
    expect(tagsToRecord(null)).toEqual({});
  });

  it('writes {key: value} as "key:value" and a key without a value as the bare key', () => {
    expect(recordToTags({ env: 'prod', web: '', url: 'https:x' })).toEqual([
      'env:prod',
      'web',
      'url:https:x',
    ]);
  });

  it('refuses what DigitalOcean would refuse, or would not read back the same', () => {
    const refused: Record<string, string>[] = [
      { 'with space': '' },
      { env: 'eu/west' },
      { 'a:b': 'c' },
      { k: 'x'.repeat(255) },
    ];
    for (const tags of refused) {
      expect(() => recordToTags(tags)).toThrow(ProviderRejectedError);
    }
  });
});

describe('error words', () => {
  it('reads the id and message of the error body, and nothing of another shape', () => {
    expect(describeError({ id: 'not_found', message: 'gone', request_id: 'r' })).toEqual({
      code: 'not_found',
      message: 'gone',
    });
    expect(describeError('<html>')).toEqual({});
  });

  it('tells a wrong power state, a pending action and a taken name apart among 422s', () => {
    const f = (message: string, status = 422) => classify({ status, code: 'unprocessable_entity', message });
    expect(f('Droplet is already powered off.')).toBe(MachineStateError);
    expect(f('Droplet is currently on. Please power it off to run this event.')).toBe(MachineStateError);
    expect(f('Droplet already has a pending event.')).toBe(ProviderConflictError);
    expect(f('Name already in use')).toBe(ProviderConflictError);
    expect(f('request payload validation failed')).toBeUndefined();
    expect(f('Droplet is already powered off.', 400)).toBeUndefined();
  });
});
