import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { SecretBox, tenantSecretContext } from '#secrets';
import { resolveTenantConfig } from './tenant-config.js';
import { redactTenantConfig, sealConfigPatch } from './tenant-config-secrets.js';

const box = new SecretBox({ current: 'v1', keys: { v1: randomBytes(32) } });
const defaults = resolveTenantConfig(null);
const llm = { baseUrl: 'https://llm.example/v1/', model: 'm' };

describe('sealConfigPatch', () => {
  it('seals the provider API key, bound to the tenant, and fills in the defaults', () => {
    const { patch, revealed } = sealConfigPatch(box, 't1', defaults, { llm: { ...llm, apiKey: 'sk-clear' } });
    expect(revealed).toEqual({});
    expect(patch.llm).toMatchObject({ baseUrl: 'https://llm.example/v1', model: 'm', temperature: 0.3, maxTokens: 512, timeoutMs: 1500, systemPrompt: null });
    expect(JSON.stringify(patch)).not.toContain('sk-clear');
    expect(box.open(patch.llm!.apiKeySealed!, tenantSecretContext('t1', 'llm.apiKey'))).toBe('sk-clear');
    expect(() => box.open(patch.llm!.apiKeySealed!, tenantSecretContext('t2', 'llm.apiKey'))).toThrow();
  });

  it('keeps the stored key when apiKey is omitted and the base URL is unchanged; drops it otherwise', () => {
    const current = resolveTenantConfig(null, sealConfigPatch(box, 't1', defaults, { llm: { ...llm, apiKey: 'sk-1' } }).patch);
    const sealed = current.llm!.apiKeySealed;
    expect(sealConfigPatch(box, 't1', current, { llm: { ...llm, model: 'm2' } }).patch.llm!.apiKeySealed).toBe(sealed);
    expect(sealConfigPatch(box, 't1', current, { llm: { ...llm, baseUrl: 'https://elsewhere.example/v1' } }).patch.llm!.apiKeySealed).toBeNull();
    expect(sealConfigPatch(box, 't1', current, { llm: { ...llm, apiKey: null } }).patch.llm!.apiKeySealed).toBeNull();
    expect(sealConfigPatch(box, 't1', current, { llm: null }).patch.llm).toBeNull();
  });

  it('generates a webhook secret once, when a URL is set, and removes it with the URL', () => {
    const first = sealConfigPatch(box, 't1', defaults, { handoffWebhookUrl: 'https://desk.example/hook' });
    expect(first.revealed.handoffWebhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(box.open(first.patch.handoffWebhookSecretSealed!, tenantSecretContext('t1', 'handoffWebhookSecret'))).toBe(first.revealed.handoffWebhookSecret);
    const current = resolveTenantConfig(null, first.patch);
    const moved = sealConfigPatch(box, 't1', current, { handoffWebhookUrl: 'https://desk.example/other' });
    expect(moved.revealed).toEqual({});
    expect(moved.patch.handoffWebhookSecretSealed).toBeUndefined();
    expect(sealConfigPatch(box, 't1', current, { handoffWebhookUrl: null }).patch.handoffWebhookSecretSealed).toBeNull();
    expect(sealConfigPatch(box, 't1', current, { fallbackText: 'x' }).revealed).toEqual({});
  });

  it('never takes a sealed field from the caller', () => {
    const sneaky = { handoffWebhookSecretSealed: 'v1:forged:x:y' } as never;
    expect(sealConfigPatch(box, 't1', defaults, sneaky).patch).toEqual({});
  });
});

describe('redactTenantConfig', () => {
  it('shows settings and …Set flags, no secret in any form', () => {
    const { patch } = sealConfigPatch(box, 't1', defaults, { llm: { ...llm, apiKey: 'sk-clear' }, handoffWebhookUrl: 'https://desk.example/hook' });
    const view = redactTenantConfig(resolveTenantConfig(null, patch));
    expect(view.llm).toEqual({ baseUrl: 'https://llm.example/v1', model: 'm', temperature: 0.3, maxTokens: 512, systemPrompt: null, timeoutMs: 1500, apiKeySet: true });
    expect(view).toMatchObject({ handoffWebhookUrl: 'https://desk.example/hook', handoffWebhookSecretSet: true });
    const text = JSON.stringify(view);
    expect(text).not.toContain('v1:');
    expect(text).not.toContain('Sealed');
    expect(redactTenantConfig(defaults)).toMatchObject({ llm: null, handoffWebhookSecretSet: false });
  });
});
