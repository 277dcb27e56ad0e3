import { z } from 'zod';
import { createToken, listTokens, revokeToken } from '../../auth/tokens.js';
import { listQuery, pageOf } from '../../model/list.js';
import { CreatedToken, CreateTokenBody, TokenId, TokenView } from '../../model/token.js';
import { defineRoute } from '../route.js';

export const postToken = defineRoute({
  method: 'POST',
  path: '/v1/tokens',
  operationId: 'createToken',
  summary: 'Create an API token; its secret is in this reply only',
  tag: 'tokens',
  auth: 'admin',
  body: CreateTokenBody,
  responses: { 201: { description: 'The token, with its secret', schema: CreatedToken } },
  handler: async ({ body, actor, deps }) => {
    const { view, token } = await createToken(await deps(), actor, body);
    return { status: 201, body: { ...view, token } };
  },
});

export const getTokens = defineRoute({
  method: 'GET',
  path: '/v1/tokens',
  operationId: 'listTokens',
  summary: "List the org's tokens (never their secrets)",
  tag: 'tokens',
  auth: 'admin',
  query: listQuery(['createdAt', 'name'], '-createdAt'),
  responses: { 200: { description: 'A page of tokens', schema: pageOf(TokenView, 'TokenPage') } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listTokens(await deps(), actor.orgId, query),
  }),
});

export const deleteToken = defineRoute({
  method: 'DELETE',
  path: '/v1/tokens/{id}',
  operationId: 'revokeToken',
  summary: 'Revoke a token (it stops working at once; revoking again is harmless)',
  tag: 'tokens',
  auth: 'admin',
  params: z.strictObject({ id: TokenId }),
  responses: { 200: { description: 'The revoked token', schema: TokenView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await revokeToken(await deps(), actor, params.id),
  }),
});
