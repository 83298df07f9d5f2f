import { FakeLlmServer, type FakeLlmBehaviour } from '../support/fake-llm-server.js';

/** How the fake provider answers: in time, with HTTP 500, or never (the socket stays open). */
export type FakeLlmMode = 'ok' | 'fail' | 'stall';

const BEHAVIOURS: Record<FakeLlmMode, FakeLlmBehaviour> = {
  ok: { kind: 'answer', text: '(模型回答) 您好,这是根据知识库生成的回答。', delayMs: 30 },
  fail: { kind: 'status', status: 500 },
  stall: { kind: 'stall' },
};
const MODE_OF: Record<FakeLlmBehaviour['kind'], FakeLlmMode> = { answer: 'ok', status: 'fail', stall: 'stall', malformed: 'fail' };

/**
 * The fault cases' view of the shared fake OpenAI-compatible provider (scripts/support): one mode
 * for every tenant using it, except that a request for model `slow-<ms>` always answers after that
 * many milliseconds (used to keep answer jobs running long enough for a worker to die in the
 * middle of them).
 */
export class FakeLlm {
  private current: FakeLlmMode = 'ok';

  private constructor(private readonly server: FakeLlmServer) {
    server.mode = BEHAVIOURS.ok;
    server.behaviourFor = (body) => {
      const slow = /^slow-(\d+)$/.exec(String(body.model ?? ''));
      return slow ? { ...BEHAVIOURS.ok, delayMs: Number(slow[1]) } : undefined;
    };
  }

  static async start(): Promise<FakeLlm> {
    return new FakeLlm(await FakeLlmServer.start());
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  get mode(): FakeLlmMode {
    return this.current;
  }

  set mode(mode: FakeLlmMode) {
    this.current = mode;
    this.server.mode = BEHAVIOURS[mode];
  }

  /** Chat-completion requests so far, by how they were answered. */
  get calls(): Record<FakeLlmMode, number> {
    const calls: Record<FakeLlmMode, number> = { ok: 0, fail: 0, stall: 0 };
    for (const r of this.server.requests) if (r.answeredWith) calls[MODE_OF[r.answeredWith]]++;
    return calls;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
