import type { AnswerSource } from '#common';

/** One stored turn: the customer's query and the bot's answer. */
export interface StoredTurn {
  seq: number;
  query: string;
  answer: string;
  source: AnswerSource;
  confidence: number;
  entryId?: string;
  clientMsgId?: string;
  /** ISO time of the turn. */
  at: string;
}

// Stored with short field names: a user's 100 turns are read on every turn.
interface WireTurn {
  s: number;
  q: string;
  a: string;
  src: AnswerSource;
  c: number;
  e?: string;
  m?: string;
  t: string;
}

export const encodeTurn = (turn: StoredTurn): string => {
  const wire: WireTurn = { s: turn.seq, q: turn.query, a: turn.answer, src: turn.source, c: turn.confidence, t: turn.at };
  if (turn.entryId) wire.e = turn.entryId;
  if (turn.clientMsgId) wire.m = turn.clientMsgId;
  return JSON.stringify(wire);
};

export const decodeTurn = (raw: string): StoredTurn => {
  const w = JSON.parse(raw) as WireTurn;
  const turn: StoredTurn = { seq: w.s, query: w.q, answer: w.a, source: w.src, confidence: w.c, at: w.t };
  if (w.e) turn.entryId = w.e;
  if (w.m) turn.clientMsgId = w.m;
  return turn;
};
