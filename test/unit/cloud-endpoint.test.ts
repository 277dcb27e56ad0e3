import { describe, expect, it } from 'vitest';
import {
  checkEndpoint,
  endpointProblem,
  isDeployed,
  resolvedEndpointProblem,
} from '../../lib/clouds/endpoint.js';
import { UnprocessableError } from '../../lib/core/errors.js';

describe('a cloud endpoint override', () => {
  it('takes a loopback http fake in local mode', () => {
    expect(endpointProblem('http://127.0.0.1:8080', false)).toBeUndefined();
    expect(endpointProblem('http://[::1]:8080/compute', false)).toBeUndefined();
  });

  it('must be https in a deployed stack', () => {
    expect(endpointProblem('http://compute.example.com', true)).toBe('must be https in a deployed stack');
    expect(endpointProblem('https://compute.example.com', true)).toBeUndefined();
  });

  it('may not name an address inside a network in a deployed stack', () => {
    for (const url of [
      'https://127.0.0.1',
      'https://169.254.169.254',
      'https://10.0.0.1:443',
      'https://[::1]',
    ]) {
      expect(endpointProblem(url, true)).toMatch(/must not name/);
    }
    expect(endpointProblem('https://localhost:8443', true)).toMatch(/must not name this host/);
  });

  it('refuses credentials, queries and other schemes anywhere', () => {
    expect(endpointProblem('https://user:pw@example.com', false)).toBe('must not carry credentials');
    expect(endpointProblem('https://example.com/?a=1', false)).toBe('must not have a query or fragment');
    expect(endpointProblem('file:///etc/passwd', false)).toBe('must be an http(s) URL');
    expect(endpointProblem('not a url', false)).toBe('must be an absolute http(s) URL');
  });

  it('knows a deployed stack by the variable Lambda sets', () => {
    expect(isDeployed({ AWS_LAMBDA_FUNCTION_NAME: 'nimbo-api' })).toBe(true);
    expect(isDeployed({})).toBe(false);
  });

  describe('a host name in a deployed stack', () => {
    const answers =
      (...ips: string[]) =>
      async () =>
        ips.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    // Stands in for "a public address" without naming one: the test allows 127.0.0.2 only.
    const allowAddress = (ip: string) => ip === '127.0.0.2';

    it('is refused when any address it resolves to is inside a network, naming the address', async () => {
      const problem = await resolvedEndpointProblem('https://compute.example.com', {
        deployed: true,
        resolve: answers('127.0.0.2', '127.0.0.1'),
        allowAddress,
      });
      expect(problem).toBe(
        'must not resolve to an address inside a network in a deployed stack (compute.example.com is 127.0.0.1)',
      );
    });

    it('is refused by default when it resolves to loopback or link-local', async () => {
      for (const ip of ['127.0.0.1', '::1']) {
        const problem = await resolvedEndpointProblem('https://metadata.example', {
          deployed: true,
          resolve: answers(ip),
        });
        expect(problem).toMatch(/inside a network/);
      }
    });

    it('is refused when it does not resolve', async () => {
      const resolve = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      };
      expect(await resolvedEndpointProblem('https://nowhere.example', { deployed: true, resolve })).toBe(
        'must name a host that resolves (nowhere.example does not)',
      );
    });

    it('is taken when every address it resolves to is allowed', async () => {
      const problem = await resolvedEndpointProblem('https://compute.example.com', {
        deployed: true,
        resolve: answers('127.0.0.2'),
        allowAddress,
      });
      expect(problem).toBeUndefined();
    });

    it('is not resolved in local mode', async () => {
      const resolve = async () => {
        throw new Error('must not be called');
      };
      expect(
        await resolvedEndpointProblem('http://fake.localhost:8080', { deployed: false, resolve }),
      ).toBeUndefined();
    });

    it('answers 422 naming settings.endpoint', async () => {
      const err = await checkEndpoint('https://compute.example.com', {
        deployed: true,
        resolve: answers('127.0.0.1'),
      }).catch((e) => e);
      expect(err).toBeInstanceOf(UnprocessableError);
      expect(err.details.errors).toEqual([
        { in: 'body', path: 'settings.endpoint', message: expect.stringContaining('127.0.0.1') },
      ]);
    });
  });
});
