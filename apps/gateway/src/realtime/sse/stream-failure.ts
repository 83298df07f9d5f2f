import type { Logger } from '#observability';
import { toErrorBody, type ErrorBody } from '../../http/error-body.js';
import type { SseStream } from './sse-stream.js';

/**
 * A streamed turn failed. Nothing to say to a client that left; while nothing was written
 * yet, the error is rethrown so the exception filter answers a plain HTTP error; after that,
 * `emit` writes it in the stream's own format and the stream ends.
 */
export const reportStreamFailure = (sse: SseStream, error: unknown, logger: Logger, emit: (body: ErrorBody) => void): void => {
  if (sse.signal.aborted) return sse.abandon();
  if (!sse.isStarted) {
    sse.end();
    throw error;
  }
  const body = toErrorBody(error);
  if (body.errorId) logger.error({ errorId: body.errorId, err: (error as Error)?.stack ?? String(error) }, 'streamed turn failed');
  emit(body);
  sse.end();
};
