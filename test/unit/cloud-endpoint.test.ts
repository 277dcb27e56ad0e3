import { describe, expect, it } from 'vitest';
import { endpointProblem, isDeployed } from '../../lib/clouds/endpoint.js';

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
});
