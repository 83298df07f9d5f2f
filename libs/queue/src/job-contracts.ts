import type { AnswerSource } from '#common';

/** BullMQ queues. `answer` is the hot path; `audit` absorbs writes so Postgres never slows a turn. */
export enum QueueName {
  Answer = 'answer',
  Audit = 'audit',
}

/** Job names; a handler's class is named after its job. */
export enum JobName {
  AnswerTurn = 'AnswerTurn',
  RecordAudit = 'RecordAudit',
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
  confidenceThreshold: number | null;
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

export interface RecordAuditPayload {
  tenantId: string;
  record: AuditRecord;
}

/** Every job's payload by name: handlers are typed with `JobOf<…>`. */
export interface JobPayloads {
  [JobName.AnswerTurn]: AnswerTurnPayload;
  [JobName.RecordAudit]: RecordAuditPayload;
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
 * What travels on a gateway instance's reply channel: zero or more `delta`s (streamed text, in
 * order) and then exactly one `final`.
 */
export type ReplyMessage = { kind: 'delta'; turnId: string; text: string } | ({ kind: 'final' } & AnswerReply);

/** Published on the turn-cancel channel when the client went away: the worker stops work on it. */
export interface TurnCancel {
  turnId: string;
}
