import type { Redis } from 'ioredis';
import { TOKEN_BUCKET_LUA } from '#redis';

/**
 * A lease on the tenant's token bucket: takes up to the wanted number of tokens at once, as many as the bucket holds
 * whole, or none (and says how long until the next one). The end user's bucket is checked and taken in the script
 * that opens the turn (see HistoryRepository), on the user's own hash tag.
 *
 * KEYS[1] tenant bucket. ARGV: tenant rate (tokens/s), tenant burst, tokens wanted.
 * Returns {granted, wait ms}.
 */
const TENANT_LEASE_LUA = `${TOKEN_BUCKET_LUA}
local now = bucket_now()
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = bucket_level(KEYS[1], rate, burst, now)
local granted = math.min(want, math.floor(tokens))
if granted < 1 then return {0, bucket_wait_ms(tokens, rate)} end
bucket_take(KEYS[1], tokens, granted, rate, burst, now)
return {granted, 0}
`;

export const TENANT_LEASE_COMMAND = 'fengdaTenantLease';

type TenantLeaseReply = [granted: number, waitMs: number];

interface WithTenantLease {
  [TENANT_LEASE_COMMAND](tenantKey: string, tenantRate: number, tenantBurst: number, want: number): Promise<TenantLeaseReply>;
}

/**
 * Registers the script on a connection (ioredis sends EVALSHA and falls back to EVAL once
 * after a script flush) and returns the typed command.
 */
export const tenantLeaseCommand = (client: Redis): WithTenantLease[typeof TENANT_LEASE_COMMAND] => {
  const withCommand = client as unknown as Partial<WithTenantLease>;
  if (!withCommand[TENANT_LEASE_COMMAND]) client.defineCommand(TENANT_LEASE_COMMAND, { numberOfKeys: 1, lua: TENANT_LEASE_LUA });
  const command = (client as unknown as WithTenantLease)[TENANT_LEASE_COMMAND];
  return command.bind(client);
};
