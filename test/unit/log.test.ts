import { describe, expect, it } from 'vitest';
import { redact } from '../../lib/core/log.js';

describe('log redaction', () => {
  it('redacts secret-looking keys at any depth', () => {
    const out = redact({
      cloud: { name: 'prod', credentials: { secretAccessKey: 'abc' }, apiKey: 'k' },
      headers: { authorization: 'Bearer x' },
      mongoUri: 'mongodb://u:p@h',
      list: [{ password: 'p' }],
    });
    expect(JSON.stringify(out)).not.toMatch(/abc|Bearer x|u:p@h|"p"/);
    expect(out).toMatchObject({ cloud: { name: 'prod', credentials: '[redacted]' } });
  });

  it('logs errors by name, message and code only, without a stack', () => {
    const err = Object.assign(new Error('boom'), { code: 'E1' });
    expect(redact({ error: err })).toEqual({ error: { name: 'Error', message: 'boom', code: 'E1' } });
  });
});
