import type { TurnRecord } from './load.js';
import type { PrivatePostgres } from './services.js';
import { sleep } from './services.js';
import type { SeededTenant } from './tenants.js';

interface StoredTurn {
  seq: number;
  clientMsgId?: string;
  source: string;
}

export interface Verification {
  /** Turns the client got a 200 for. */
  accepted: number;
  /** Accepted turns missing from the history or from the audit trail. */
  lost: number;
  /** Accepted turns stored or audited more than once. */
  doubled: number;
  missingFromHistory: number;
  missingAudit: number;
  doubledInHistory: number;
  doubledInAudit: number;
  /** Accepted turns whose stored seq differs from the one the client was told. */
  seqMismatch: number;
  /** Turns in the history the client never got a 200 for (its request failed or timed out after the write). */
  storedNotAcknowledged: number;
  historyTurns: number;
  auditRows: number;
  examples: string[];
}

const keyOf = (tenantId: string, userId: string, seq: number | undefined): string => `${tenantId}/${userId}/${seq}`;

/** Every stored turn of the tenants' users, through the public conversations API. */
export const readHistory = async (gatewayUrl: string, tenants: SeededTenant[]): Promise<Map<string, StoredTurn[]>> => {
  const out = new Map<string, StoredTurn[]>();
  for (const tenant of tenants) {
    await Promise.all(
      tenant.users.map(async (user) => {
        const res = await fetch(`${gatewayUrl}/v1/conversations/${encodeURIComponent(user.userId)}`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
        if (!res.ok) throw new Error(`GET conversations/${user.userId} (${tenant.id}): ${res.status} ${await res.text()}`);
        out.set(`${tenant.id}/${user.userId}`, ((await res.json()) as { turns: StoredTurn[] }).turns);
      }),
    );
  }
  return out;
};

/** Turn audit rows per (tenant, user, seq), read as the database owner (RLS does not apply). */
export const readAudit = async (pgServer: PrivatePostgres, tenantIds: string[]): Promise<Map<string, number>> => {
  const rows = await pgServer.query<{ tenant_id: string; user_id: string; seq: number; n: number }>(
    `SELECT tenant_id, user_id, seq, count(*)::int AS n FROM audit_log WHERE kind = 'turn' AND tenant_id = ANY($1) GROUP BY 1, 2, 3`,
    [tenantIds],
  );
  return new Map(rows.map((r) => [keyOf(r.tenant_id, r.user_id, r.seq), r.n]));
};

/**
 * Polls until every accepted turn has its audit row (the audit queue may be retrying or
 * waiting for stalled-job recovery); resolves with the time it was complete, or null.
 */
export const waitForAudit = async (pgServer: PrivatePostgres, tenantIds: string[], turns: TurnRecord[], timeoutMs: number): Promise<{ completeAt: number | null; missing: number }> => {
  const accepted = turns.filter((t) => t.status === 200);
  const until = Date.now() + timeoutMs;
  let missing = accepted.length;
  for (;;) {
    try {
      const audit = await readAudit(pgServer, tenantIds);
      missing = accepted.filter((t) => !audit.has(keyOf(t.tenantId, t.userId, t.seq))).length;
      if (missing === 0) return { completeAt: Date.now(), missing };
    } catch {
      /* the database may still be coming back */
    }
    if (Date.now() > until) return { completeAt: null, missing };
    await sleep(250);
  }
};

/** Each accepted clientMsgId exactly once in the history, each accepted turn exactly once in the audit trail. */
export const verifyTurns = async (gatewayUrl: string, pgServer: PrivatePostgres, tenants: SeededTenant[], turns: TurnRecord[]): Promise<Verification> => {
  const history = await readHistory(gatewayUrl, tenants);
  const audit = await readAudit(pgServer, tenants.map((t) => t.id));
  const occurrences = new Map<string, StoredTurn[]>();
  let historyTurns = 0;
  for (const [user, stored] of history) {
    historyTurns += stored.length;
    for (const turn of stored) {
      if (!turn.clientMsgId) continue;
      const key = `${user}/${turn.clientMsgId}`;
      occurrences.set(key, [...(occurrences.get(key) ?? []), turn]);
    }
  }
  const accepted = turns.filter((t) => t.status === 200);
  const acceptedIds = new Set(accepted.map((t) => `${t.tenantId}/${t.userId}/${t.clientMsgId}`));
  const v: Verification = {
    accepted: accepted.length,
    lost: 0,
    doubled: 0,
    missingFromHistory: 0,
    missingAudit: 0,
    doubledInHistory: 0,
    doubledInAudit: 0,
    seqMismatch: 0,
    storedNotAcknowledged: [...occurrences.keys()].filter((k) => !acceptedIds.has(k)).length,
    historyTurns,
    auditRows: [...audit.values()].reduce((a, b) => a + b, 0),
    examples: [],
  };
  const example = (text: string): void => void (v.examples.length < 12 && v.examples.push(text));
  for (const t of accepted) {
    const stored = occurrences.get(`${t.tenantId}/${t.userId}/${t.clientMsgId}`) ?? [];
    const rows = audit.get(keyOf(t.tenantId, t.userId, t.seq)) ?? 0;
    if (stored.length === 0) {
      v.missingFromHistory++;
      example(`${t.clientMsgId} (${t.tenantId}/${t.userId} seq ${t.seq}): answered 200 but not in the history`);
    }
    if (stored.length > 1) {
      v.doubledInHistory++;
      example(`${t.clientMsgId}: ${stored.length} times in the history (seqs ${stored.map((s) => s.seq).join(',')})`);
    }
    if (stored.length === 1 && stored[0]!.seq !== t.seq) {
      v.seqMismatch++;
      example(`${t.clientMsgId}: client told seq ${t.seq}, stored as seq ${stored[0]!.seq}`);
    }
    if (rows === 0) {
      v.missingAudit++;
      example(`${t.clientMsgId} (${t.tenantId}/${t.userId} seq ${t.seq}): no audit row`);
    }
    if (rows > 1) {
      v.doubledInAudit++;
      example(`${t.clientMsgId} (${t.tenantId}/${t.userId} seq ${t.seq}): ${rows} audit rows`);
    }
    if (stored.length === 0 || rows === 0) v.lost++;
    if (stored.length > 1 || rows > 1) v.doubled++;
  }
  return v;
};
