import { plainToInstance } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, validate } from 'class-validator';
import { DomainError, ErrorCode, type AnswerSource, inputProblem } from '#common';
import { ChatRequestDto } from '../../dto/chat.dto.js';
import { collectValidationErrors } from '../../http/validation.pipe.js';

// The JSON protocol of `GET /v1/ws`, documented for integrators in ../PROTOCOL.md.

export class WsAuthFrame {
  @IsString()
  @MaxLength(4096)
  token!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  lastSeq?: number;
}

export class WsResumeFrame {
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  lastSeq!: number;
}

/** What a client may send, after parsing and validation. */
export type ClientFrame =
  | ({ type: 'auth' } & WsAuthFrame)
  | ({ type: 'message' } & ChatRequestDto)
  | ({ type: 'resume' } & WsResumeFrame)
  | { type: 'ping' };

export interface AnswerFrame {
  type: 'answer';
  clientMsgId?: string;
  answer: string;
  source: AnswerSource;
  confidence: number;
  seq: number;
  entryId?: string;
  /** Replayed from history on resume; then `query` and `at` are included. */
  replay?: true;
  query?: string;
  at?: string;
}

/** What the server sends. */
export type ServerFrame =
  | { type: 'ready'; userId: string; expiresAt: string }
  | { type: 'delta'; clientMsgId?: string; text: string }
  | AnswerFrame
  | { type: 'resumed'; count: number; lastSeq: number }
  | { type: 'error'; code: string; message: string; clientMsgId?: string; details?: Record<string, unknown> }
  | { type: 'pong' };

// Each type's body (the frame less `type`) is validated like a REST body: unknown fields refused.
const BODIES = { auth: WsAuthFrame, message: ChatRequestDto, resume: WsResumeFrame } as const;
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } };

/** Parses and validates one text frame; throws INVALID_JSON or VALIDATION_FAILED. */
export const parseClientFrame = async (raw: string): Promise<ClientFrame> => {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    throw new DomainError(ErrorCode.InvalidJson, 'frame is not valid JSON');
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) throw new DomainError(ErrorCode.ValidationFailed, 'frame must be a JSON object');
  // The same protections as REST bodies: depth, NUL, non-UTF-8 text, prototype keys.
  const problem = inputProblem(frame, { forbidPrototypeKeys: true });
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, problem);
  const { type, ...body } = frame as Record<string, unknown>;
  if (type === 'ping') {
    if (Object.keys(body).length > 0) throw new DomainError(ErrorCode.ValidationFailed, 'a ping frame has no other fields');
    return { type };
  }
  if (type !== 'auth' && type !== 'message' && type !== 'resume') {
    throw new DomainError(ErrorCode.ValidationFailed, typeof type === 'string' ? `unknown frame type "${type.slice(0, 40)}"` : 'frame needs a string "type"');
  }
  const instance = plainToInstance<object, object>(BODIES[type], body);
  const errors = await validate(instance, VALIDATION);
  if (errors.length > 0) {
    const fields = collectValidationErrors(errors);
    throw new DomainError(ErrorCode.ValidationFailed, Object.values(fields)[0]?.[0] ?? 'frame is not valid', { fields });
  }
  return { type, ...instance } as ClientFrame;
};

/** A clientMsgId worth echoing on an error about its frame, read without trusting the frame. */
export const clientMsgIdOf = (raw: string): string | undefined => {
  try {
    const id = (JSON.parse(raw) as { clientMsgId?: unknown })?.clientMsgId;
    return typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
};

