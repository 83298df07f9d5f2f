// Fengda web chat: the WebSocket protocol of apps/gateway/src/realtime/PROTOCOL.md in plain
// browser JavaScript (no build step, nothing loaded from elsewhere).
/* global document, window, location, localStorage, WebSocket, crypto, URLSearchParams */

const BADGES = { kb: 'KB', llm: 'LLM', fallback: 'Fallback', handoff: 'Human handoff' };
const VISITOR_KEY = 'fengda.visitorId';
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
// Browsers answer the server's pings themselves but cannot see a dead server: ask now and then.
const CLIENT_PING_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;

const els = {
  messages: document.getElementById('messages'),
  status: document.getElementById('status'),
  notice: document.getElementById('notice'),
  form: document.getElementById('composer'),
  input: document.getElementById('input'),
  send: document.getElementById('send'),
};

const state = {
  token: null,
  /** A token given in the URL cannot be renewed here; the demo token can. */
  renewable: true,
  ws: null,
  ready: false,
  attempt: 0,
  stopped: false,
  /** Highest turn seq shown: a reconnect resumes after it (0 on load: the history is shown). */
  lastSeq: 0,
  shown: new Set(),
  /** clientMsgId → { query, bubble, text, sent }: questions without their answer yet. */
  pending: new Map(),
  pingTimer: null,
  pongTimer: null,
};

const randomId = () => {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
};

const setStatus = (name, text) => {
  els.status.dataset.state = name;
  els.status.textContent = text;
};

const showNotice = (text) => {
  els.notice.textContent = text;
  els.notice.hidden = !text;
};

const scrollDown = () => {
  els.messages.scrollTop = els.messages.scrollHeight;
};

const addBubble = (who, text) => {
  const li = document.createElement('li');
  li.className = `msg msg--${who}`;
  const body = document.createElement('div');
  body.className = 'msg__text';
  body.textContent = text;
  li.append(body);
  els.messages.append(li);
  scrollDown();
  return li;
};

/** Writes the final answer into a bot bubble, with its source badge. */
const finishBubble = (bubble, frame) => {
  bubble.querySelector('.msg__text').textContent = frame.answer;
  bubble.dataset.seq = String(frame.seq);
  bubble.dataset.source = frame.source;
  bubble.querySelector('.msg__meta')?.remove();
  const meta = document.createElement('div');
  meta.className = 'msg__meta';
  const badge = document.createElement('span');
  badge.className = `badge badge--${frame.source}`;
  badge.textContent = BADGES[frame.source] ?? frame.source;
  meta.append(badge);
  bubble.append(meta);
  scrollDown();
};

const failBubble = (bubble, message) => {
  bubble.classList.add('msg--error');
  bubble.querySelector('.msg__text').textContent = message;
  const meta = document.createElement('div');
  meta.className = 'msg__meta';
  const badge = document.createElement('span');
  badge.className = 'badge badge--error';
  badge.textContent = 'Error';
  meta.append(badge);
  bubble.append(meta);
};

const send = (frame) => {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame));
};

const sendPending = () => {
  for (const [clientMsgId, item] of state.pending) {
    if (item.sent) continue;
    item.sent = true;
    send({ type: 'message', query: item.query, clientMsgId });
  }
};

const onAnswer = (frame) => {
  if (frame.seq > state.lastSeq) state.lastSeq = frame.seq;
  const item = frame.clientMsgId ? state.pending.get(frame.clientMsgId) : undefined;
  if (item) {
    state.pending.delete(frame.clientMsgId);
    state.shown.add(frame.seq);
    finishBubble(item.bubble, frame);
    return;
  }
  // A replayed turn this page has not shown (history on load, or answered while away).
  if (state.shown.has(frame.seq)) return;
  state.shown.add(frame.seq);
  if (frame.query) addBubble('user', frame.query);
  finishBubble(addBubble('bot', ''), frame);
};

const onFrame = (frame) => {
  switch (frame.type) {
    case 'ready':
      state.ready = true;
      state.attempt = 0;
      setStatus('online', 'online');
      showNotice('');
      break;
    case 'resumed':
      // Replay is complete: whatever is still unanswered is sent (again). A clientMsgId is
      // answered once, so a question that did reach the server is not asked twice.
      for (const item of state.pending.values()) item.sent = false;
      sendPending();
      break;
    case 'delta': {
      const item = state.pending.get(frame.clientMsgId);
      if (item) {
        item.text += frame.text;
        item.bubble.querySelector('.msg__text').textContent = item.text;
        scrollDown();
      }
      break;
    }
    case 'answer':
      onAnswer(frame);
      break;
    case 'error': {
      const item = frame.clientMsgId ? state.pending.get(frame.clientMsgId) : undefined;
      // A restarting server: the question is sent again after the reconnect.
      if (item && frame.code !== 'OVERLOADED') {
        state.pending.delete(frame.clientMsgId);
        failBubble(item.bubble, frame.message);
      } else if (!frame.clientMsgId) {
        showNotice(`${frame.code}: ${frame.message}`);
      }
      break;
    }
    case 'pong':
      clearTimeout(state.pongTimer);
      break;
    default:
      break;
  }
};

const fetchToken = async () => {
  const given = new URLSearchParams(location.search).get('token');
  if (given) {
    state.renewable = false;
    return given;
  }
  const visitor = localStorage.getItem(VISITOR_KEY);
  const res = await fetch(`/demo/token${visitor ? `?visitorId=${encodeURIComponent(visitor)}` : ''}`, { cache: 'no-store' });
  if (res.status === 400 && visitor) {
    localStorage.removeItem(VISITOR_KEY);
    return fetchToken();
  }
  if (!res.ok) throw new Error(res.status === 404 ? 'no-demo' : `token request failed (${res.status})`);
  const body = await res.json();
  localStorage.setItem(VISITOR_KEY, body.userId);
  return body.token;
};

const stop = (text) => {
  state.stopped = true;
  setStatus('stopped', 'offline');
  showNotice(text);
};

const scheduleReconnect = () => {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempt);
  const delay = Math.round(base / 2 + Math.random() * (base / 2)); // jitter: clients do not return in step
  state.attempt += 1;
  setStatus('offline', `reconnecting in ${Math.ceil(delay / 1000)} s`);
  window.setTimeout(connect, delay);
};

const keepAlive = () => {
  window.clearInterval(state.pingTimer);
  state.pingTimer = window.setInterval(() => {
    send({ type: 'ping' });
    clearTimeout(state.pongTimer);
    state.pongTimer = window.setTimeout(() => state.ws?.close(4000, 'no pong'), PONG_TIMEOUT_MS);
  }, CLIENT_PING_MS);
};

async function connect() {
  if (state.stopped) return;
  setStatus('connecting', 'connecting…');
  try {
    state.token ??= await fetchToken();
  } catch (error) {
    if (error.message === 'no-demo') return stop('No demo tenant here. Open this page with ?token=<end-user token>.');
    return scheduleReconnect();
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
  const ws = new WebSocket(url);
  state.ws = ws;
  state.ready = false;
  // The token goes in the first frame rather than the URL, which proxies tend to log.
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'auth', token: state.token, lastSeq: state.lastSeq }));
    keepAlive();
  };
  ws.onmessage = (event) => {
    try {
      onFrame(JSON.parse(event.data));
    } catch {
      /* a frame this page does not understand */
    }
  };
  ws.onclose = (event) => {
    window.clearInterval(state.pingTimer);
    clearTimeout(state.pongTimer);
    state.ready = false;
    for (const item of state.pending.values()) item.sent = false;
    if (event.code === 4401) {
      if (!state.renewable) return stop('Your session has expired. Reload the page with a new token.');
      state.token = null; // expired: a fresh one is fetched before reconnecting
    } else if (event.code === 4403 || event.code === 4404) {
      return stop('This chat is not available.');
    }
    scheduleReconnect();
  };
}

const submit = () => {
  const query = els.input.value.trim();
  if (!query) return;
  els.input.value = '';
  addBubble('user', query);
  const clientMsgId = randomId();
  const bubble = addBubble('bot', '');
  bubble.dataset.clientMsgId = clientMsgId;
  state.pending.set(clientMsgId, { query, bubble, text: '', sent: false });
  if (state.ready) sendPending();
};

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  submit();
});
els.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

connect();
