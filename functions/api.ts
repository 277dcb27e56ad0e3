/** Lambda entry point for every /v1 route (API Gateway HTTP API, payload format 2.0). */
import { createApiHandler } from '../lib/http/api.js';

export const handler = createApiHandler();
