import { createRequire } from 'node:module';
import { getMetadataStorage } from 'class-validator';

/**
 * A precompiled acceptance test for a DTO whose rules are all simple — `IsString`, `MinLength`, `MaxLength`,
 * `Matches`, `IsOptional` — and that class-transformer leaves alone (no `@Type`, `@Transform`, `@Expose`,
 * `@Exclude`). It answers only "class-validator would accept this body as it is": true is a promise, false means
 * "ask class-validator", which then produces the errors (so every 400 still says what class-validator says).
 *
 * Why: class-validator's walk (class-transformer's copy, the metadata lookup, a promise per rule) cost about 4% of
 * the gateway's CPU for a chat turn, whose body is two strings.
 */
export type SimpleDtoCheck = (value: Record<string, unknown>) => boolean;

interface PropertyRules {
  name: string;
  optional: boolean;
  isString: boolean;
  minLength: number;
  maxLength: number;
  patterns: RegExp[];
}

const SUPPORTED = new Set(['isString', 'minLength', 'maxLength', 'matches', 'isOptional']);
// class-validator's ValidationTypes.CUSTOM_VALIDATION and CONDITIONAL_VALIDATION.
const CUSTOM_VALIDATION = 'customValidation';
const CONDITIONAL_VALIDATION = 'conditionalValidation';
// What validator.js's isLength does not count as a character: halves of surrogate pairs (a pair is one) and the
// emoji/text presentation selectors. Counting none of them gives a length never above isLength's.
const UNCOUNTED = /[\uD800-\uDFFF]|\uFE0E|\uFE0F/g;

interface TransformerStorage {
  findTypeMetadata(target: object, property: string): unknown;
  findTransformMetadatas(target: object, property: string, type: number): unknown[];
  getExposedMetadatas(target: object): unknown[];
  getExcludedMetadatas(target: object): unknown[];
}
// class-transformer keeps its decorators' metadata in this singleton; it exports no public accessor for it.
const transformerStorage = (createRequire(import.meta.url)('class-transformer/cjs/storage.js') as { defaultMetadataStorage: TransformerStorage })
  .defaultMetadataStorage;
const PLAIN_TO_CLASS = 0;

/** The check for `type`, or undefined when any of its rules (or a class-transformer decorator) is outside the simple set. */
export const compileSimpleDtoCheck = (type: new () => object): SimpleDtoCheck | undefined => {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(type, '', false, false, undefined);
  if (metadatas.length === 0) return undefined;
  if (transformerStorage.getExposedMetadatas(type).length > 0 || transformerStorage.getExcludedMetadatas(type).length > 0) return undefined;
  const byName = new Map<string, PropertyRules>();
  for (const m of metadatas) {
    const supported = (m.type === CUSTOM_VALIDATION || m.type === CONDITIONAL_VALIDATION) && m.name !== undefined && SUPPORTED.has(m.name);
    if (!supported || m.each || m.always || m.validateIf || (m.groups?.length ?? 0) > 0) return undefined;
    const property = m.propertyName;
    if (transformerStorage.findTypeMetadata(type, property) || transformerStorage.findTransformMetadatas(type, property, PLAIN_TO_CLASS).length > 0) return undefined;
    const rules = byName.get(property) ?? { name: property, optional: false, isString: false, minLength: 0, maxLength: Infinity, patterns: [] };
    byName.set(property, rules);
    const [first, second] = (m.constraints ?? []) as unknown[];
    switch (m.name) {
      case 'isOptional':
        rules.optional = true;
        break;
      case 'isString':
        rules.isString = true;
        break;
      case 'minLength':
        rules.minLength = Math.max(rules.minLength, Number(first));
        break;
      case 'maxLength':
        rules.maxLength = Math.min(rules.maxLength, Number(first));
        break;
      case 'matches':
        // validator.js's matches: a RegExp as given, a string compiled with the modifiers; tested with String#match.
        rules.patterns.push(first instanceof RegExp ? first : new RegExp(String(first), typeof second === 'string' ? second : undefined));
        break;
    }
  }
  const properties = [...byName.values()];
  // Only string properties: anything else (numbers, nested objects) is class-validator's business.
  if (properties.some((p) => !p.isString)) return undefined;
  const known = new Set(byName.keys());
  return (value) => {
    // Whitelisting: an unknown key is an error class-validator names.
    for (const key of Object.keys(value)) if (!known.has(key)) return false;
    for (const p of properties) {
      const v = value[p.name];
      if (v === undefined || v === null) {
        if (p.optional) continue;
        return false;
      }
      if (typeof v !== 'string' || v.length > p.maxLength) return false;
      if (p.minLength > 0 && v.length - (v.match(UNCOUNTED)?.length ?? 0) < p.minLength) return false;
      for (const pattern of p.patterns) if (v.match(pattern) === null) return false;
    }
    return true;
  };
};
