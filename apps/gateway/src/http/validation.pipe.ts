import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';

/** Validation errors by field path (`config.answerDeadlineMs`), for the `details.fields` of a 400. */
export const collectValidationErrors = (errors: ValidationError[], parent = '', out: Record<string, string[]> = {}): Record<string, string[]> => {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    if (error.children?.length) collectValidationErrors(error.children, path, out);
  }
  return out;
};

/** Whitelisting validation: unknown fields are refused, and every problem is named by its field. */
export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
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
  });
