/**
 * Lua building blocks for token buckets kept in Redis, for the scripts that need one (the tenant lease of the rate
 * limiter, the user's bucket inside the open-turn script): every replica shares the buckets, so time is Redis `TIME`,
 * not a caller's clock — a replica whose clock drifts cannot over-refill a bucket. State is `{tokens, ts}` per bucket
 * (ts in microseconds); a bucket left alone expires once it would have refilled completely, so idle users cost no
 * memory. Rates are tokens per second.
 */
export const TOKEN_BUCKET_LUA = `
local function bucket_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function bucket_level(key, rate, burst, now)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(state[1]), tonumber(state[2])
  if not tokens or not ts then return burst end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  return math.min(burst, tokens + elapsed * rate / 1000000)
end

local function bucket_wait_ms(tokens, rate)
  if tokens >= 1 then return 0 end
  return math.ceil((1 - tokens) * 1000 / rate)
end

local function bucket_take(key, tokens, count, rate, burst, now)
  local left = tokens - count
  redis.call('HSET', key, 'tokens', string.format('%.6f', left), 'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', key, math.ceil((burst - left) * 1000 / rate) + 1000)
end
`;
