import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RouteConfig, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { DomainError, ErrorCode } from '#common';

export const NDJSON = 'application/x-ndjson';
export const CSV = 'text/csv';

/** Route config of a route whose body is text (see `TextBody`). */
interface TextBodyConfig {
  textBody?: { types: readonly string[]; limitBytes: number };
}

/**
 * Marks a route as taking a text body of one of `types`, up to `limitBytes`. Only such a route
 * gets the larger limit: every other route keeps the global `BODY_LIMIT_BYTES`.
 */
export const TextBody = (types: readonly string[], limitBytes: number): MethodDecorator =>
  RouteConfig({ textBody: { types, limitBytes } } satisfies TextBodyConfig);

/** The media type of a Content-Type header, lower-cased, without parameters. */
export const mediaTypeOf = (header: string | undefined): string => (header ?? '').split(';')[0]!.trim().toLowerCase();

/** The request body's media type (a parameter decorator, so Swagger does not list it as a header to fill in). */
export const BodyMediaType = createParamDecorator((_: unknown, ctx: ExecutionContext) => mediaTypeOf(ctx.switchToHttp().getRequest<FastifyRequest>().headers['content-type']));

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const decodeText = (_request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void): void => {
  let text: string;
  try {
    // Also drops a leading byte-order mark, which spreadsheet programs like to write.
    text = UTF8.decode(body);
  } catch {
    done(new DomainError(ErrorCode.ValidationFailed, 'request body is not valid UTF-8 text'));
    return;
  }
  done(null, text);
};

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

/**
 * NDJSON and CSV bodies arrive as UTF-8 strings (the import parses them line by line, so it
 * can name the line at fault). The type is checked against the route before the body is read:
 * a text route refuses other types and other routes refuse text, both with 415, so a large
 * limit is never spent reading a body that would be refused anyway.
 */
export const registerBodyParsers = (app: NestFastifyApplication): void => {
  app.useBodyParser([NDJSON, CSV], {}, decodeText);
  const fastify = app.getHttpAdapter().getInstance();
  // Runs as Nest registers each route (during init), so it must be added before `app.init()`.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const limit = (route.config as TextBodyConfig | undefined)?.textBody?.limitBytes;
    if (limit) route.bodyLimit = limit;
  });
  fastify.addHook('preParsing', (request: FastifyRequest, _reply: FastifyReply, payload, done) => {
    if (request.is404) return done(null, payload);
    const type = mediaTypeOf(request.headers['content-type']);
    const accepted = (request.routeOptions.config as TextBodyConfig).textBody?.types;
    // A text route needs its body, even an empty one, so a request without any is refused too.
    if (accepted && !accepted.includes(type)) {
      return done(new DomainError(ErrorCode.UnsupportedMediaType, `this route takes ${accepted.join(' or ')}, not ${type || 'a request without a Content-Type'}`));
    }
    // Every other route takes JSON only (Fastify would also parse text/plain and Nest forms).
    if (!accepted && hasBody(request) && type !== 'application/json') {
      return done(new DomainError(ErrorCode.UnsupportedMediaType, `this route takes application/json, not ${type || 'a request without a Content-Type'}`));
    }
    done(null, payload);
  });
};
