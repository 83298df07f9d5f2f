import { describe, expect, it } from '@jest/globals';
import { clientMsgIdOf, parseClientFrame } from './ws-frames.js';

describe('parseClientFrame', () => {
  it('accepts the four frame types', async () => {
    await expect(parseClientFrame('{"type":"ping"}')).resolves.toEqual({ type: 'ping' });
    await expect(parseClientFrame('{"type":"auth","token":"t","lastSeq":3}')).resolves.toMatchObject({ type: 'auth', token: 't', lastSeq: 3 });
    await expect(parseClientFrame('{"type":"message","query":"hi","clientMsgId":"m-1"}')).resolves.toMatchObject({ type: 'message', query: 'hi', clientMsgId: 'm-1' });
    await expect(parseClientFrame('{"type":"message","query":"hi"}')).resolves.toMatchObject({ type: 'message', query: 'hi' });
    await expect(parseClientFrame('{"type":"resume","lastSeq":0}')).resolves.toMatchObject({ type: 'resume', lastSeq: 0 });
  });

  it.each([
    ['{', 'INVALID_JSON'],
    ['[]', 'VALIDATION_FAILED'],
    ['"message"', 'VALIDATION_FAILED'],
    ['{"query":"hi"}', 'VALIDATION_FAILED'],
    ['{"type":"shout"}', 'VALIDATION_FAILED'],
    ['{"type":"message","query":"   "}', 'VALIDATION_FAILED'],
    ['{"type":"message","query":"hi","extra":1}', 'VALIDATION_FAILED'],
    ['{"type":"resume","lastSeq":-1}', 'VALIDATION_FAILED'],
    ['{"type":"resume","lastSeq":"2"}', 'VALIDATION_FAILED'],
    ['{"type":"auth"}', 'VALIDATION_FAILED'],
    ['{"type":"ping","x":1}', 'VALIDATION_FAILED'],
  ])('refuses %s with %s', async (raw, code) => {
    await expect(parseClientFrame(raw)).rejects.toMatchObject({ code });
  });

  it('reads a tame clientMsgId off any frame, for error replies', () => {
    expect(clientMsgIdOf('{"clientMsgId":"m-9","query":1}')).toBe('m-9');
    expect(clientMsgIdOf('{"clientMsgId":"<script>"}')).toBeUndefined();
    expect(clientMsgIdOf('nope')).toBeUndefined();
  });
});
