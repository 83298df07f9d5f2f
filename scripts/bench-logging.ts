import { createLogger, LogContexts, maskPiiDeep } from '../libs/observability/src/index.js';

// `npm run bench:logging`: CPU per log line as the gateway writes it for every HTTP request (the access line, with the
// request's log context, PII masking and redaction), into a destination that only counts bytes, and of the masking
// alone. Prints one JSON object.

const LINES = 200_000;
let bytes = 0;
let written = 0;
const logger = createLogger({ level: 'info', app: 'gateway' }, {
  write: (line: string) => {
    bytes += line.length;
    written++;
  },
});
const context = {
  requestId: '7f3c2a9e-1b2c-4d5e-8f90-123456789abc', // a request id with eleven digits in a row across a dash
  tenantId: 'bench-tenant-3',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  summary: { seq: 17, source: 'kb', latencyMs: 23 },
};
const accessLine = (): void =>
  logger.info({ requestId: context.requestId, method: 'POST', route: '/v1/chat', status: 200, ms: 23.4, ...LogContexts.current()?.summary }, 'request');
const record = { level: 30, app: 'gateway', requestId: context.requestId, tenantId: context.tenantId, traceId: context.traceId, method: 'POST', route: '/v1/chat', status: 200, seq: 17, source: 'kb' };

/** CPU µs per call of `work`, after a warm-up of a tenth as many calls. */
const cpuPerCall = (work: () => void): number => {
  for (let i = 0; i < LINES / 10; i++) work();
  const start = process.cpuUsage();
  for (let i = 0; i < LINES; i++) work();
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) / LINES) * 100) / 100;
};

const accessLineUs = LogContexts.run(context, () => cpuPerCall(accessLine));
const maskRecordUs = cpuPerCall(() => void maskPiiDeep(record));
process.stdout.write(`${JSON.stringify({ lines: LINES, accessLineUs, maskRecordUs, bytesPerLine: Math.round(bytes / written) })}\n`);
