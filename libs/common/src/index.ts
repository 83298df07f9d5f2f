export * from './error-code.js';
export * from './domain-error.js';
export * from './clock.js';
export * from './answer-source.js';
export * from './slug.js';
export * from './input-hygiene.js';
