import type { Redis } from 'ioredis';

/**
 * Two token buckets, the tenant's and the end user's, checked and taken together in one
 * atomic step: a turn takes a token from both or from neither, so a refused turn never
 * spends the tenant's budget and one user's burst cannot starve the tenant's other users of
 * more than that user's own limit.
 *
 * Time is Redis `TIME`, not the caller's clock: every gateway replica shares these buckets, and
 * one clock for all of them means a replica whose clock drifts cannot over-refill a bucket.
 * State is `{tokens, ts}` per bucket (ts in microseconds); a bucket left alone expires once it
 * would have refilled completely, so idle users cost no memory.
 *
 * KEYS[1] tenant bucket, KEYS[2] user bucket (same hash tag: one Redis Cluster slot).
 * ARGV: tenant rate (tokens/s), tenant burst, user rate (tokens/s), user burst.
 * Returns {allowed 1|0, retry-after ms, 'tenant'|'user'|''}.
 */
const TOKEN_BUCKET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local function level(key, rate, burst)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(state[1]), tonumber(state[2])
  if not tokens or not ts then return burst end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  return math.min(burst, tokens + elapsed * rate / 1000000)
end

local function wait_ms(tokens, rate)
  if tokens >= 1 then return 0 end
  return math.ceil((1 - tokens) * 1000 / rate)
end

local function take(key, tokens, rate, burst)
  local left = tokens - 1
  redis.call('HSET', key, 'tokens', string.format('%.6f', left), 'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', key, math.ceil((burst - left) * 1000 / rate) + 1000)
end

local tenant_rate, tenant_burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local user_rate, user_burst = tonumber(ARGV[3]), tonumber(ARGV[4])
local tenant_tokens = level(KEYS[1], tenant_rate, tenant_burst)
local user_tokens = level(KEYS[2], user_rate, user_burst)
local tenant_wait = wait_ms(tenant_tokens, tenant_rate)
local user_wait = wait_ms(user_tokens, user_rate)
if tenant_wait > 0 or user_wait > 0 then
  if user_wait >= tenant_wait then return {0, user_wait, 'user'} end
  return {0, tenant_wait, 'tenant'}
end
take(KEYS[1], tenant_tokens, tenant_rate, tenant_burst)
take(KEYS[2], user_tokens, user_rate, user_burst)
return {1, 0, ''}
`;

export const TOKEN_BUCKET_COMMAND = 'fengdaTokenBucket';

type TokenBucketReply = [allowed: number, retryAfterMs: number, limitedBy: string];

interface WithTokenBucket {
  [TOKEN_BUCKET_COMMAND](tenantKey: string, userKey: string, tenantRate: number, tenantBurst: number, userRate: number, userBurst: number): Promise<TokenBucketReply>;
}

/**
 * Registers the script on a connection (ioredis sends EVALSHA and falls back to EVAL once
 * after a script flush) and returns the typed command.
 */
export const tokenBucketCommand = (client: Redis): WithTokenBucket[typeof TOKEN_BUCKET_COMMAND] => {
  const withCommand = client as unknown as Partial<WithTokenBucket>;
  if (!withCommand[TOKEN_BUCKET_COMMAND]) client.defineCommand(TOKEN_BUCKET_COMMAND, { numberOfKeys: 2, lua: TOKEN_BUCKET_LUA });
  const command = (client as unknown as WithTokenBucket)[TOKEN_BUCKET_COMMAND];
  return command.bind(client);
};
