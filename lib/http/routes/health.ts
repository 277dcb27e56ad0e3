import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readConfig } from '../../config.js';
import { getMongo } from '../../db/client.js';
import { checkHealth } from '../../services/health.js';
import { type HttpResult, json } from '../response.js';

/** GET /v1/health — unauthenticated, so it says nothing beyond up/down and the version. */
export async function getHealth(_event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const config = readConfig();
  const report = await checkHealth({
    version: config.NIMBO_VERSION,
    pingDatabase: async () => {
      const { db } = await getMongo(config);
      await db.command({ ping: 1 }, { timeoutMS: config.MONGODB_TIMEOUT_MS });
    },
  });
  return json(200, report);
}
