import type { AnswerSource } from '#common';

/** BullMQ queues. `answer` is the hot path; `audit` absorbs writes so Postgres never slows a turn. */
export enum QueueName {
  Answer = 'answer',
  Audit = 'audit',
  /** Handoff webhooks to tenants' agent desks: retried with backoff, never on the reply path. */
  Handoff = 'handoff',
  /** Scheduled housekeeping (audit retention): slow, never on a turn's path. */
  Maintenance = 'maintenance',
}

/** Job names; a handler's class is named after its job. */
export enum JobName {
  AnswerTurn = 'AnswerTurn',
  /** Several turns, of one or more tenants, that left a gateway together (see the gateway's AnswerDispatcher). */
  AnswerBatch = 'AnswerBatch',
  RecordAudit = 'RecordAudit',
  NotifyHandoff = 'NotifyHandoff',
  /** Hourly: fans out one PurgeExpiredAudit per tenant. */
  AuditRetentionSweep = 'AuditRetentionSweep',
  PurgeExpiredAudit = 'PurgeExpiredAudit',
}

/** One earlier turn as the engine sees it. */
export interface ContextTurn {
  seq: number;
  query: string;
  answer: string;
  source: AnswerSource;
  entryId?: string;
}

export interface AnswerTurnPayload {
  tenantId: string;
  userId: string;
  turnId: string;
  query: string;
  /** Most recent last. */
  history: ContextTurn[];
  /** Epoch ms after which nobody waits for the answer: the worker drops the job. */
  deadlineAt: number;
  /** Pub/sub channel of the gateway instance waiting for the answer. */
  replyTo: string;
  requestId: string;
  /** W3C traceparent of the gateway's hop: the worker's log lines carry the same trace id. */
  traceparent?: string;
  confidenceThreshold: number | null;
}

/**
 * Turns sent as one job (see the gateway's AnswerDispatcher), possibly of several tenants: each turn carries its
 * tenant and is answered as if it were its own AnswerTurn job, and the replies to one gateway travel together as one
 * array message on its channel.
 */
export interface AnswerBatchPayload {
  turns: AnswerTurnPayload[];
}

/** One audit record; `eventId` makes its insertion idempotent. */
export interface AuditRecord {
  tenantId: string;
  eventId: string;
  kind: 'turn' | 'admin' | 'kb';
  actor: string;
  userId?: string;
  seq?: number;
  query?: string;
  answer?: string;
  source?: AnswerSource;
  confidence?: number;
  entryId?: string;
  latencyMs?: number;
  action?: string;
  detail?: Record<string, unknown>;
  /** ISO time the event happened (not when it was written). */
  at: string;
}

/**
 * One tenant's audit records, gathered by the producer over a few milliseconds (one job per batch keeps the queue's
 * per-job cost off each turn). `record` is the single-record form of earlier releases, still accepted by the worker
 * so jobs enqueued before a rolling upgrade are written too.
 */
export type RecordAuditPayload = { tenantId: string } & ({ records: AuditRecord[] } | { record: AuditRecord });

/** Why the bot handed the conversation to a human. */
export type HandoffReason = 'customer_request' | 'repeated_fallback';

/**
 * A conversation handed to a human: POSTed to the tenant's webhook. The URL and secret are
 * read from the tenant's config at delivery time, so neither is ever stored in Redis.
 */
export interface NotifyHandoffPayload {
  tenantId: string;
  /** Unique per handoff (the turn id): receivers deduplicate retried deliveries by it. */
  handoffId: string;
  userId: string;
  reason: HandoffReason;
  /** The customer's message that triggered the handoff. */
  query: string;
  /** Recent turns, oldest first. */
  transcript: ContextTurn[];
  /** ISO time of the handoff. */
  at: string;
}

/**
 * The hourly retention sweep. The one payload without a tenant: it is a platform job whose
 * only work is to enqueue one tenant-scoped PurgeExpiredAudit per tenant.
 */
export interface AuditRetentionSweepPayload {
  scope: 'all-tenants';
}

/** Delete one tenant's audit rows older than its retention. */
export interface PurgeExpiredAuditPayload {
  tenantId: string;
  retentionDays: number;
}

/** Every job's payload by name: handlers are typed with `JobOf<…>`. */
export interface JobPayloads {
  [JobName.AnswerTurn]: AnswerTurnPayload;
  [JobName.AnswerBatch]: AnswerBatchPayload;
  [JobName.RecordAudit]: RecordAuditPayload;
  [JobName.NotifyHandoff]: NotifyHandoffPayload;
  [JobName.AuditRetentionSweep]: AuditRetentionSweepPayload;
  [JobName.PurgeExpiredAudit]: PurgeExpiredAuditPayload;
}

export type JobOf<N extends JobName> = { name: N; data: JobPayloads[N] };

/** What the worker sends back to the waiting gateway. */
export interface AnswerReply {
  turnId: string;
  /** Null when the engine has no confident answer: the gateway uses the tenant's fallback text. */
  answer: string | null;
  source: AnswerSource;
  confidence: number;
  entryId?: string;
}

/**
 * What travels on a gateway instance's reply channel, per turn: zero or more `delta`s (streamed text, in order) and
 * then exactly one `final`. A message is one ReplyMessage (AnswerTurn jobs) or an array of them, in order (the turns
 * of an AnswerBatch job answered in the same event-loop turn).
 */
export type ReplyMessage = { kind: 'delta'; turnId: string; text: string } | ({ kind: 'final' } & AnswerReply);

/** Published on the turn-cancel channel when the client went away: the worker stops work on it. */
export interface TurnCancel {
  turnId: string;
}
