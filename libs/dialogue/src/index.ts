export * from './admission.service.js';
export * from './chat-turn.service.js';
export * from './conversation.service.js';
export * from './dialogue.module.js';
export * from './reply-bus.service.js';
