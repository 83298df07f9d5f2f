/** Tenant ids are slugs: they appear in Redis keys, log lines and URLs, so keep them tame. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** End-user ids come from the integrator's own systems; printable, no spaces or braces (Redis hash tags). */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
