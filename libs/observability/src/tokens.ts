/** Injection token of the process's root pino logger. */
export const LOGGER = Symbol('LOGGER');
