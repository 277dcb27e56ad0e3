import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/core/config.js';
import { ConfigurationError } from '../../lib/core/errors.js';
import { parseConnectionSecret, resolveConnectionString } from '../../lib/db/connection-string.js';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nimbo/mongo-AbCdEf';

afterEach(() => sm.reset());

describe('the MongoDB connection string', () => {
  it('comes from MONGODB_URI when it is set, without calling Secrets Manager', async () => {
    const uri = await resolveConnectionString(
      readConfig({ MONGODB_URI: 'mongodb://127.0.0.1:27017', MONGODB_URI_SECRET_ARN: ARN }),
    );
    expect(uri).toBe('mongodb://127.0.0.1:27017');
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('is read from the secret named by MONGODB_URI_SECRET_ARN', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'mongodb+srv://u:p@cluster0.example.net/' });
    const uri = await resolveConnectionString(readConfig({ MONGODB_URI_SECRET_ARN: ARN }));
    expect(uri).toBe('mongodb+srv://u:p@cluster0.example.net/');
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  });

  it('accepts a JSON secret with a uri member', () => {
    expect(parseConnectionSecret('{"uri":"mongodb://127.0.0.1:1/x"}')).toBe('mongodb://127.0.0.1:1/x');
  });

  it('rejects a secret that is not a MongoDB connection string, without echoing it', () => {
    expect(() => parseConnectionSecret('hunter2')).toThrow(ConfigurationError);
    expect(() => parseConnectionSecret('hunter2')).not.toThrow(/hunter2/);
    expect(() => parseConnectionSecret('{"password":"x"}')).toThrow(/no "uri" member/);
    expect(() => parseConnectionSecret('{oops')).toThrow(/not valid JSON/);
  });

  it('fails with a configuration error naming the AWS error when the secret cannot be read', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    await expect(resolveConnectionString(readConfig({ MONGODB_URI_SECRET_ARN: ARN }))).rejects.toThrow(
      /Cannot read the MongoDB secret \(AccessDeniedException\)/,
    );
  });

  it('fails clearly when neither MONGODB_URI nor a secret is configured', async () => {
    await expect(resolveConnectionString(readConfig({}))).rejects.toThrow(/Set MONGODB_URI/);
  });
});

describe('the configuration', () => {
  it('rejects an invalid database name with the variable named in the message', () => {
    expect(() => readConfig({ MONGODB_DB: 'bad name!' })).toThrow(/MONGODB_DB/);
  });

  it('defaults the database to nimbo', () => {
    expect(readConfig({}).MONGODB_DB).toBe('nimbo');
  });
});
