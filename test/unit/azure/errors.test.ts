import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import { AzureCredentialsSchema, credentialSecrets } from '../../../lib/providers/azure/credentials.js';
import { isThrottlingError, mapAzureError, retryAfterMs } from '../../../lib/providers/azure/errors.js';
import { machineState, parseVmId } from '../../../lib/providers/azure/mapping.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
} from '../../../lib/providers/errors.js';

/** What the SDK throws for an ARM error body: a RestError with statusCode and the body's code. */
function restError(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code,
    response: { headers: { get: (n: string) => headers[n.toLowerCase()] } },
  });
}

describe('mapAzureError', () => {
  it.each([
    [401, 'InvalidAuthenticationToken', ProviderAuthError],
    [403, 'AuthorizationFailed', ProviderAuthError],
    [404, 'ResourceNotFound', ProviderNotFoundError],
    [404, 'ResourceGroupNotFound', ProviderNotFoundError],
    [429, 'TooManyRequests', ProviderThrottledError],
    [409, 'Conflict', ProviderConflictError],
    [400, 'InvalidParameter', ProviderRejectedError],
    // Something else is in the way, not a malformed request: a subnet holding NICs, an overlapping
    // subnet range, a failed If-None-Match (the zone or record set exists).
    [400, 'InUseSubnetCannotBeDeleted', ProviderConflictError],
    [400, 'NetcfgSubnetRangesOverlap', ProviderConflictError],
    [400, 'NetcfgSubnetRangeOutsideVnet', ProviderRejectedError],
    [412, 'PreconditionFailed', ProviderConflictError],
    [500, 'InternalServerError', ProviderError],
  ])('HTTP %i %s', (status, code, cls) => {
    const err = mapAzureError(restError(status, code, 'boom'), 'Azure start VM rg/web-1');
    expect(err).toBeInstanceOf(cls);
    expect(err.message).toBe(`Azure start VM rg/web-1: Azure ${code} (HTTP ${status}): boom`);
  });

  it('a 409 about the VM state is a MachineStateError, other conflicts are not', () => {
    const state = restError(
      409,
      'OperationNotAllowed',
      "Operation 'restart' is not allowed on VM 'web-1' since the VM is deallocated.",
    );
    expect(mapAzureError(state, 'x')).toBeInstanceOf(MachineStateError);
    const inUse = restError(409, 'Conflict', 'The disk is attached to another VM.');
    expect(mapAzureError(inUse, 'x')).toBeInstanceOf(ProviderConflictError);
    expect(
      mapAzureError(
        restError(409, 'OperationNotAllowed', 'Operation cannot be performed while the VM is stopping'),
        'x',
      ),
    ).toBeInstanceOf(MachineStateError);
  });

  it('an operation that ended Failed is mapped by the ARM code core-lro puts in its message', () => {
    const lro = new Error(
      'The long-running operation has failed. OperationNotAllowed. The VM is deallocating.',
    );
    expect(mapAzureError(lro, 'x')).toBeInstanceOf(MachineStateError);
    const alloc = mapAzureError(
      new Error('The long-running operation has failed. AllocationFailed. No capacity.'),
      'x',
    );
    expect(alloc.message).toMatch(/^x: Azure AllocationFailed: /);
  });

  it('identity failures (AADSTS) are auth errors, timeouts are timeouts', () => {
    const aad = Object.assign(new Error('invalid_client: AADSTS7000215: Invalid client secret provided.'), {
      name: 'AuthenticationError',
    });
    expect(mapAzureError(aad, 'x')).toBeInstanceOf(ProviderAuthError);
    const socket = Object.assign(new Error('connect ETIMEDOUT 127.0.0.1:443'), { code: 'ETIMEDOUT' });
    expect(mapAzureError(socket, 'x')).toBeInstanceOf(ProviderTimeoutError);
  });

  it('redacts the secret from the message and drops the cause that held it', () => {
    const secret = 'super-Secret~value-123';
    const err = mapAzureError(new Error(`request failed with client_secret=${secret}`), 'x', {
      secrets: [secret],
    });
    expect(err.message).not.toContain(secret);
    expect(err.message).toContain('[redacted]');
    expect((err as { cause?: unknown }).cause).toBeUndefined();
  });

  it('throttling is recognised and Retry-After read in ms', () => {
    const err = restError(429, 'TooManyRequests', 'slow down', { 'retry-after': '7' });
    expect(isThrottlingError(err)).toBe(true);
    expect(retryAfterMs(err)).toBe(7000);
    expect(isThrottlingError(restError(500, 'InternalServerError', 'x'))).toBe(false);
  });
});

describe('credentials and ids', () => {
  const good = {
    tenantId: '11111111-1111-4111-8111-111111111111',
    clientId: '22222222-2222-4222-8222-222222222222',
    clientSecret: 's3cret',
    subscriptionId: '33333333-3333-4333-8333-333333333333',
  };
  it('accepts GUIDs and a secret, refuses anything else', () => {
    expect(AzureCredentialsSchema.parse(good)).toEqual(good);
    expect(AzureCredentialsSchema.safeParse({ ...good, tenantId: 'contoso' }).success).toBe(false);
    expect(AzureCredentialsSchema.safeParse({ ...good, extra: 1 }).success).toBe(false);
    expect(AzureCredentialsSchema.safeParse({ ...good, clientSecret: '' }).success).toBe(false);
    expect(credentialSecrets(good)).toEqual(['s3cret']);
  });

  it('parses VM and snapshot ARM ids (case-insensitive segments)', () => {
    expect(
      parseVmId('/subscriptions/s/resourcegroups/RG/providers/microsoft.compute/virtualmachines/vm1'),
    ).toEqual({
      subscriptionId: 's',
      resourceGroup: 'RG',
      name: 'vm1',
    });
    expect(parseVmId('i-0123')).toBeUndefined();
  });

  it('power states map as Azure reports them', () => {
    const vm = (code: string, provisioningState = 'Succeeded') => ({
      location: 'westeurope',
      provisioningState,
      instanceView: { statuses: [{ code }] },
    });
    expect(machineState(vm('PowerState/running'))).toBe('running');
    expect(machineState(vm('PowerState/starting'))).toBe('pending');
    expect(machineState(vm('PowerState/deallocating'))).toBe('stopping');
    expect(machineState(vm('PowerState/stopped'))).toBe('stopped');
    expect(machineState(vm('PowerState/deallocated'))).toBe('stopped');
    expect(machineState(vm('PowerState/running', 'Failed'))).toBe('error');
    expect(machineState({ location: 'westeurope', provisioningState: 'Creating' })).toBe('pending');
    expect(machineState({ location: 'westeurope' })).toBe('unknown');
  });
});

describe('loading', () => {
  it('imports @azure/* only dynamically (type-only imports aside), so the API bundle does not load them at startup', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../../lib/providers/azure/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const staticImports = source.match(/^import\s+(?!type\b)[^;]*from\s+'@azure\/[^']+'/gm) ?? [];
      expect({ file, staticImports }).toEqual({ file, staticImports: [] });
    }
    // And the driver module itself loads without them.
    const mod = await import('../../../lib/providers/azure/compute.js');
    expect(typeof mod.AzureComputeDriver).toBe('function');
  });
});

describe('callWithBackoff', () => {
  it('waits at least what Retry-After asks, retries throttling only, and maps the last failure', async () => {
    const { callWithBackoff } = await import('../../../lib/providers/azure/client.js');
    const sleeps: number[] = [];
    const options = {
      maxAttempts: 3,
      baseMs: 100,
      capMs: 1000,
      random: () => 0.5,
      sleep: async (ms: number) => void sleeps.push(ms),
    };
    let calls = 0;
    const result = await callWithBackoff(
      'Azure list VMs',
      async () => {
        calls += 1;
        if (calls < 3) throw restError(429, 'TooManyRequests', 'slow down', { 'retry-after': '4' });
        return 'ok';
      },
      options,
      [],
    );
    expect(result).toBe('ok');
    expect(sleeps).toEqual([4000, 4000]);
    calls = 0;
    const err = await callWithBackoff(
      'Azure start VM rg/x',
      async () => {
        calls += 1;
        throw restError(409, 'Conflict', 'busy');
      },
      options,
      [],
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(calls).toBe(1);
  });
});
