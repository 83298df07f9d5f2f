import { Inject, Injectable } from '@nestjs/common';
import { resolveLlmSettings, type LlmProvider, type StoredLlmConfig } from '#llm';
import { LOGGER, type Logger } from '#observability';
import { SecretBox, tenantSecretContext } from '#secrets';
import { DEFAULT_TENANT_CONFIG, TenantCacheService } from '#tenancy';

/** What the engine needs of a tenant's config for one turn. */
export interface AnswerSettings {
  handoffText: string;
  handoffAfterFallbacks: number;
  /** Whether handoffs are POSTed to a webhook. */
  handoffWebhook: boolean;
  /** The provider with its key decrypted, or null: knowledge base only. */
  provider: LlmProvider | null;
}

/**
 * A tenant's answer settings, from the in-memory tenant cache (no database query per turn;
 * reloaded on the `tenant.changed` event). Reading it here rather than from the job keeps a
 * system prompt of up to 4000 characters, and any sealed key, out of every queued job in
 * Redis. Decrypted keys are cached per sealed value, so a turn costs no AES work either.
 */
@Injectable()
export class TenantAnswerSettings {
  private readonly keys = new Map<string, { sealed: string; key: string }>();

  constructor(
    private readonly tenants: TenantCacheService,
    private readonly box: SecretBox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async get(tenantId: string): Promise<AnswerSettings> {
    const config = (await this.tenants.get(tenantId))?.config ?? DEFAULT_TENANT_CONFIG;
    return {
      handoffText: config.handoffText,
      handoffAfterFallbacks: config.handoffAfterFallbacks,
      handoffWebhook: Boolean(config.handoffWebhookUrl),
      provider: config.llm ? this.provider(tenantId, config.llm) : null,
    };
  }

  private provider(tenantId: string, stored: StoredLlmConfig): LlmProvider | null {
    const settings = resolveLlmSettings(stored);
    if (!stored.apiKeySealed) return { ...settings, apiKey: null };
    const cached = this.keys.get(tenantId);
    if (cached?.sealed === stored.apiKeySealed) return { ...settings, apiKey: cached.key };
    try {
      const key = this.box.open(stored.apiKeySealed, tenantSecretContext(tenantId, 'llm.apiKey'));
      this.keys.set(tenantId, { sealed: stored.apiKeySealed, key });
      return { ...settings, apiKey: key };
    } catch (error) {
      // A key that does not decrypt (wrong SECRETS_ENCRYPTION_KEY) must not be sent as garbage.
      this.logger.error({ err: (error as Error).message }, 'llm api key unreadable; answering from the knowledge base');
      return null;
    }
  }
}
