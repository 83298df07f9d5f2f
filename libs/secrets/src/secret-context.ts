/** The fields of a tenant's config that hold sealed secrets. */
export type TenantSecretField = 'llm.apiKey' | 'handoffWebhookSecret';

/**
 * Additional authenticated data of a tenant's sealed secret: a value copied into another
 * tenant's row, or into another field, fails to open instead of being used there.
 */
export const tenantSecretContext = (tenantId: string, field: TenantSecretField): string => `tenant:${tenantId}/${field}`;
