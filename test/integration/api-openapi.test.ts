import { describe, expect, it } from 'vitest';
import { testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

describe('GET /v1/openapi.json', () => {
  const t = useTestDatabase('openapi');
  const api = testApi(() => t.db);

  it('describes every route as OpenAPI 3.1, without a token', async () => {
    const res = await api.request('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/health', '/v1/tokens', '/v1/tokens/{id}', '/v1/openapi.json']),
    );
    expect(doc.paths['/v1/health'].get.security).toEqual([]);
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  it('documents request bodies with the same schema that validates them', async () => {
    const doc = (await api.request('GET', '/v1/openapi.json')).body;
    const post = doc.paths['/v1/tokens'].post;
    const ref = post.requestBody.content['application/json'].schema.$ref;
    expect(ref).toBe('#/components/schemas/CreateTokenRequest');
    const schema = doc.components.schemas.CreateTokenRequest;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'role']);
    expect(schema.properties.role.enum).toEqual(['viewer', 'operator', 'admin', 'owner']);
    expect(post.responses['400'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
  });

  it('lists every provider a cloud can be created with, and the shape of its credentials', async () => {
    const doc = (await api.request('GET', '/v1/openapi.json')).body;
    const schemas = doc.components.schemas;
    for (const id of [
      'CreateAwsCloudRequest',
      'CreateGcpCloudRequest',
      'CreateAzureCloudRequest',
      'CreateDigitalOceanCloudRequest',
      'CreateHetznerCloudRequest',
    ]) {
      expect(schemas[id]?.required, id).toEqual(
        expect.arrayContaining(['provider', 'credentials', 'regions']),
      );
    }
    expect(schemas.CreateGcpCloudRequest.properties.credentials.required).toEqual(
      expect.arrayContaining(['type', 'project_id', 'client_email', 'private_key', 'private_key_id']),
    );
    expect(schemas.CreateAzureCloudRequest.properties.credentials.required).toEqual(
      expect.arrayContaining(['tenantId', 'clientId', 'clientSecret', 'subscriptionId']),
    );
    for (const id of ['CreateDigitalOceanCloudRequest', 'CreateHetznerCloudRequest']) {
      expect(schemas[id].properties.credentials.required, id).toEqual(['token']);
    }
    expect(schemas.Cloud.properties.provider.enum).toEqual([
      'aws',
      'gcp',
      'azure',
      'digitalocean',
      'hetzner',
      'sim',
      'ssh',
    ]);
  });

  it('documents path and query parameters', async () => {
    const doc = (await api.request('GET', '/v1/openapi.json')).body;
    const list = doc.paths['/v1/tokens'].get.parameters;
    expect(list.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'sort', 'q']);
    expect(list.find((p: { name: string }) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
    });
    const del = doc.paths['/v1/tokens/{id}'].delete.parameters;
    expect(del).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
  });
});
