import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGGER, type Logger } from '#observability';
import { logServerError, toErrorBody } from '../../http/error-body.js';
import { openAiError } from './openai-error.js';

/** The gateway's error handling for the OpenAI-compatible route, in a body OpenAI SDKs understand. */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const body = toErrorBody(exception);
    logServerError(this.logger, exception, body, http.getRequest<FastifyRequest>().id);
    if (body.code === 'RATE_LIMITED' && body.details?.retryAfterSec) void reply.header('retry-after', String(body.details.retryAfterSec));
    void reply.status(body.statusCode).send(openAiError(body));
  }
}
