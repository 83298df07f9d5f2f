import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGGER, type Logger } from '#observability';
import { logServerError, toErrorBody } from './error-body.js';

/** Every error leaves the gateway as the same JSON shape; 500s are logged with their error id (see logServerError). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const body = toErrorBody(exception);
    logServerError(this.logger, exception, body, request.id);
    if (body.details?.retryAfterSec) reply.header('retry-after', String(body.details.retryAfterSec));
    void reply.status(body.statusCode).send(body);
  }
}
