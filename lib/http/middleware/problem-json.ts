/**
 * middy middleware: any error thrown by a route (or by another middleware) becomes a problem+json reply.
 * Client errors are logged at info, server errors at error with their cause; the reply never carries a stack.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { log } from '../../core/log.js';
import { asDatabaseError } from '../../db/errors.js';
import { problemHeaders, toProblem } from '../problem.js';
import { type HttpResult, problemResponse } from '../response.js';

export function problemJson(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: (request) => {
      if (request.response && request.error === null) return;
      const err = asDatabaseError(request.error);
      const requestId = request.event?.requestContext?.requestId;
      const problem = toProblem(err, requestId ? `urn:nimbo:request:${requestId}` : undefined);
      const fields = { status: problem.status, code: problem.code, path: request.event?.rawPath, requestId };
      if (problem.status >= 500)
        log.error('request failed', { ...fields, error: err, cause: (err as Error)?.cause });
      else log.info('request rejected', fields);
      request.response = problemResponse(problem, problemHeaders(err));
    },
  };
}
