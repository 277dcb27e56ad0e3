import {
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import { awsErrorCode, mapAwsError } from '../../../lib/providers/aws/errors.js';
import { backoffDelay } from '../../../lib/providers/aws/retry.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderThrottledError,
  ProviderTimeoutError,
} from '../../../lib/providers/errors.js';
import { ACCESS_KEY_ID, awsError, instance, makeDriver, SECRET_ACCESS_KEY } from './fixtures.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

const ref = { externalId: 'i-0123', region: 'eu-west-1' };

describe('mapping AWS errors', () => {
  it.each([
    'AuthFailure',
    'UnauthorizedOperation',
    'InvalidClientTokenId',
    'SignatureDoesNotMatch',
    'ExpiredToken',
    'AccessDenied',
  ])('maps %s to ProviderAuthError', async (code) => {
    ec2.on(DescribeInstancesCommand).rejects(awsError(code, 'You are not authorized'));
    const { driver } = makeDriver();
    const err = await driver.checkConnection().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect((err as Error).message).toBe(
      `EC2 DescribeInstances in us-east-1: AWS ${code}: You are not authorized`,
    );
  });

  it.each([
    'InvalidInstanceID.NotFound',
    'InvalidInstanceID.Malformed',
    'InvalidSnapshot.NotFound',
    'InvalidAMIID.NotFound',
  ])('maps %s to ProviderNotFoundError', async (code) => {
    ec2.on(StartInstancesCommand).rejects(awsError(code, "The instance ID 'i-0123' does not exist"));
    const { driver } = makeDriver();
    const err = await driver.startMachine(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderNotFoundError);
    expect((err as Error).message).toContain(`i-0123 in eu-west-1: AWS ${code}`);
  });

  it.each(['IncorrectInstanceState', 'IncorrectState'])(
    'maps %s to MachineStateError (409), e.g. resizing a running instance',
    async (code) => {
      ec2
        .on(ModifyInstanceAttributeCommand)
        .rejects(awsError(code, "The instance 'i-0123' is not in the 'stopped' state."));
      const { driver } = makeDriver();
      const err = await driver.resizeMachine(ref, 'm7i.large').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MachineStateError);
      expect((err as Error).message).toContain(
        `AWS ${code}: The instance 'i-0123' is not in the 'stopped' state.`,
      );
    },
  );

  it('maps SDK and socket timeouts to ProviderTimeoutError', () => {
    const sdkTimeout = Object.assign(new Error('Connection timed out after 5000 ms'), {
      name: 'TimeoutError',
    });
    const socket = Object.assign(new Error('connect ETIMEDOUT 52.94.236.248:443'), { code: 'ETIMEDOUT' });
    const idle = new Error('socket timed out');
    for (const e of [sdkTimeout, socket, idle]) {
      expect(mapAwsError(e, 'EC2 StopInstances in us-east-1')).toBeInstanceOf(ProviderTimeoutError);
    }
    expect(mapAwsError(socket, 'ctx').message).toBe(
      'ctx: AWS ETIMEDOUT: connect ETIMEDOUT 52.94.236.248:443',
    );
  });

  it('maps anything else to ProviderError carrying the AWS code and message', async () => {
    ec2
      .on(StopInstancesCommand)
      .rejects(awsError('UnsupportedOperation', 'Instance store roots cannot stop'));
    const { driver } = makeDriver();
    const err = await driver.stopMachine(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).not.toBeInstanceOf(ProviderAuthError);
    expect((err as Error).message).toBe(
      'EC2 StopInstances i-0123 in eu-west-1: AWS UnsupportedOperation: Instance store roots cannot stop',
    );
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
  });

  it('reads the code from an SDK exception name, a Code field or a Node error code', () => {
    expect(awsErrorCode(awsError('AuthFailure'))).toBe('AuthFailure');
    expect(awsErrorCode({ Code: 'Throttling', name: 'Error' })).toBe('Throttling');
    expect(awsErrorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(awsErrorCode('a string')).toBe('UnknownError');
  });

  it('passes an already mapped error through unchanged', () => {
    const mapped = new ProviderAuthError('STS AssumeRole: AWS AccessDenied');
    expect(mapAwsError(mapped, 'EC2 DescribeInstances in us-east-1')).toBe(mapped);
  });
});

describe('throttling', () => {
  it.each([
    'Throttling',
    'ThrottlingException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'TooManyRequestsException',
  ])('retries %s with backoff and then succeeds', async (code) => {
    ec2
      .on(DescribeInstancesCommand)
      .rejectsOnce(awsError(code, 'Rate exceeded'))
      .rejectsOnce(awsError(code, 'Rate exceeded'))
      .resolves({ Reservations: [{ Instances: [instance('i-1')] }] });
    const { driver, sleep } = makeDriver();
    const machines = await driver.listMachines();
    expect(machines).toHaveLength(1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
    // Full jitter with random() = 0.5: half of 250 ms, then half of 500 ms.
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([125, 250]);
  });

  it('gives up after maxAttempts with ProviderThrottledError naming the number of attempts', async () => {
    ec2.on(StartInstancesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    const { driver, sleep } = makeDriver({}, { maxAttempts: 4 });
    const err = await driver.startMachine(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect((err as Error).message).toBe(
      'EC2 StartInstances i-0123 in eu-west-1: AWS RequestLimitExceeded: Request limit exceeded. (gave up after 4 attempts)',
    );
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 4);
    expect(sleep).toHaveBeenCalledTimes(3);
  });

  it('retries only the throttled page of a paginated listing', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-1')] }], NextToken: 'p2' })
      .rejectsOnce(awsError('RequestLimitExceeded'))
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-2')] }] });
    const { driver } = makeDriver();
    expect((await driver.listMachines()).map((m) => m.externalId)).toEqual(['i-1', 'i-2']);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 2, { NextToken: 'p2' });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 3, { NextToken: 'p2' });
  });

  it('does not retry errors other than throttling', async () => {
    ec2.on(StartInstancesCommand).rejects(awsError('InternalError', 'oops', 'server'));
    const { driver, sleep } = makeDriver();
    await expect(driver.startMachine(ref)).rejects.toThrow(ProviderError);
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('draws every wait in [0, min(cap, base * 2^n)]', () => {
    const opts = { baseMs: 250, capMs: 8000 };
    expect(backoffDelay(1, { ...opts, random: () => 0.999 })).toBe(249);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(500);
    expect(backoffDelay(10, { ...opts, random: () => 0.5 })).toBe(4000);
    expect(backoffDelay(10, { ...opts, random: () => 0 })).toBe(0);
  });
});

describe('secrets in error messages', () => {
  it('never shows the access key id or secret, even when AWS echoes them', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        awsError(
          'SignatureDoesNotMatch',
          `Signature for ${ACCESS_KEY_ID} does not match; secret ${SECRET_ACCESS_KEY} was used`,
        ),
      );
    const { driver } = makeDriver();
    const err = await driver.listMachines().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    const shown = JSON.stringify({ message: (err as Error).message, err, cause: (err as Error).cause });
    expect(shown).not.toContain(ACCESS_KEY_ID);
    expect(shown).not.toContain(SECRET_ACCESS_KEY);
    expect((err as Error).message).toContain('Signature for [redacted] does not match');
  });

  it('does not put the credentials in the messages of ordinary failures', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(awsError('AuthFailure', 'AWS was not able to validate the credentials'));
    const { driver } = makeDriver();
    const err = (await driver.listMachines().catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain(ACCESS_KEY_ID);
    expect(err.message).not.toContain(SECRET_ACCESS_KEY);
  });
});
