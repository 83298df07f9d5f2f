import { randomBytes } from 'node:crypto';

/** A fresh random secret for a receiver to verify signatures with, e.g. `whsec_…` (256 bits). */
export const generateSecretToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;
