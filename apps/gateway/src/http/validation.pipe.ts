import { ValidationPipe, type ArgumentMetadata, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { compileSimpleDtoCheck, type SimpleDtoCheck } from './simple-dto-check.js';

/** Validation errors by field path (`config.answerDeadlineMs`), for the `details.fields` of a 400. */
export const collectValidationErrors = (errors: ValidationError[], parent = '', out: Record<string, string[]> = {}): Record<string, string[]> => {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    if (error.children?.length) collectValidationErrors(error.children, path, out);
  }
  return out;
};

type DtoClass = new () => object;

/**
 * Nest's ValidationPipe with a fast path: a plain-object body of a DTO whose rules are all simple (see
 * compileSimpleDtoCheck — the chat turn's) that passes the precompiled check becomes the DTO instance at once,
 * as class-transformer would make it; every other value, and every body that fails the check, takes
 * class-validator's path, errors included.
 */
export class FengdaValidationPipe extends ValidationPipe {
  private readonly checks = new WeakMap<DtoClass, SimpleDtoCheck | null>();

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype as DtoClass | undefined;
    if (type && (metadata.type === 'body' || metadata.type === 'query') && isPlainObject(value)) {
      let check = this.checks.get(type);
      if (check === undefined) this.checks.set(type, (check = compileSimpleDtoCheck(type) ?? null));
      if (check?.(value)) return Promise.resolve(Object.assign(new type(), value));
    }
    return super.transform(value, metadata);
  }
}

/** An object literal (of any realm) or a null-prototype object: what a JSON or query-string parser makes. */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
};

/** Whitelisting validation: unknown fields are refused, and every problem is named by its field. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => {
    const fields = collectValidationErrors(errors);
    const first = Object.values(fields)[0]?.[0] ?? 'request body is not valid';
    return new DomainError(ErrorCode.ValidationFailed, first, { fields });
  },
};

export const createValidationPipe = (): ValidationPipe => new FengdaValidationPipe(VALIDATION_OPTIONS);
