"""The hosted chat page of a Chat Trigger: one self-contained HTML page (no CDN) that
speaks n8n's chat protocol to its webhook: POST `{"action": "sendMessage", "sessionId",
"chatInput"}` answered with `{"output": ...}` (or NDJSON chunks when streaming), and
`{"action": "loadPreviousSession"}` answered with `{"data": [messages]}`."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from hetumind.forms.sanitize import sanitize_css

__all__ = ["render_chat"]

_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>__TITLE__</title>
<style>
*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;background:#f2f4f8;
height:100vh;display:flex;flex-direction:column}header{background:#101330;color:#fff;
padding:16px 20px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.8}
#messages{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:8px}
.chat-message{max-width:75%;padding:10px 14px;border-radius:12px;white-space:pre-wrap;
line-height:1.4}.chat-message-from-bot{background:#fff;align-self:flex-start}
.chat-message-from-user{background:#e74266;color:#fff;align-self:flex-end}
.chat-error{background:#fde7ea;color:#a0001c;align-self:flex-start}form{display:flex;
gap:8px;padding:12px;background:#fff;border-top:1px solid #dbdfe7}textarea{flex:1;
resize:none;padding:10px;font:inherit;border:1px solid #dbdfe7;border-radius:8px}
button{padding:0 18px;border:0;border-radius:8px;background:#e74266;color:#fff;
font-weight:600;cursor:pointer}#welcome{flex:1;display:flex;align-items:center;
justify-content:center}
</style><style>__CSS__</style></head><body>
<header><h1>__TITLE__</h1><p>__SUBTITLE__</p></header>
<div id="welcome" hidden><button id="start" type="button">__GET_STARTED__</button></div>
<div id="messages" aria-live="polite"></div>
<form id="chat-form"><textarea id="chat-input" rows="1" placeholder="__PLACEHOLDER__"
></textarea><button type="submit" id="send">Send</button></form>
<script id="chat-config" type="application/json">__CONFIG__</script>
<script>
(function () {
  var cfg = JSON.parse(document.getElementById('chat-config').textContent);
  var list = document.getElementById('messages');
  var form = document.getElementById('chat-form');
  var input = document.getElementById('chat-input');
  var key = 'hetumind-chat-session:' + cfg.webhookUrl;
  var sessionId = localStorage.getItem(key);
  if (!sessionId) {
    sessionId = (crypto.randomUUID ? crypto.randomUUID() :
      String(Date.now()) + Math.random().toString(16).slice(2));
    localStorage.setItem(key, sessionId);
  }
  function add(text, who) {
    var div = document.createElement('div');
    div.className = 'chat-message chat-message-from-' + who;
    if (who === 'error') div.className = 'chat-message chat-error';
    div.textContent = text;
    list.appendChild(div);
    list.scrollTop = list.scrollHeight;
    return div;
  }
  function post(body) {
    return fetch(cfg.webhookUrl, {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  }
  function textOf(data) {
    if (Array.isArray(data)) data = data[0] || {};
    if (data && typeof data === 'object') {
      var t = data.output !== undefined ? data.output : data.text !== undefined ? data.text
        : data.message;
      return t === undefined ? JSON.stringify(data) : String(t);
    }
    return String(data);
  }
  async function streamed(response, bubble) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), rest = '';
    for (;;) {
      var part = await reader.read();
      if (part.done) break;
      rest += decoder.decode(part.value, {stream: true});
      var lines = rest.split('\\n'); rest = lines.pop();
      lines.forEach(function (line) {
        if (!line.trim()) return;
        var chunk = JSON.parse(line);
        if (chunk.type === 'item') bubble.textContent += chunk.content || '';
        if (chunk.type === 'error') bubble.textContent += chunk.content || 'error';
      });
    }
  }
  async function send(text) {
    add(text, 'user');
    try {
      var response = await post({action: 'sendMessage', sessionId: sessionId, chatInput: text});
      if (!response.ok) throw new Error('the chat answered ' + response.status);
      if (cfg.streaming) {
        await streamed(response, add('', 'bot'));
      } else {
        add(textOf(await response.json()), 'bot');
      }
    } catch (e) { add(String(e.message || e), 'error'); }
  }
  function start() {
    document.getElementById('welcome').hidden = true;
    list.hidden = false; form.hidden = false;
    (cfg.initialMessages || []).forEach(function (m) { add(m, 'bot'); });
    if (cfg.loadPreviousSession && cfg.loadPreviousSession !== 'notSupported') {
      post({action: 'loadPreviousSession', sessionId: sessionId}).then(function (r) {
        return r.json();
      }).then(function (body) {
        (body.data || []).forEach(function (m) {
          var human = (m.id || []).indexOf('HumanMessage') >= 0;
          add((m.kwargs || {}).content || '', human ? 'user' : 'bot');
        });
      }).catch(function () {});
    }
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { input.value = ''; send(text); }
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  if (cfg.showWelcomeScreen) {
    list.hidden = true; form.hidden = true;
    document.getElementById('welcome').hidden = false;
    document.getElementById('start').addEventListener('click', start);
  } else { start(); }
})();
</script></body></html>"""


def render_chat(params: dict[str, Any], webhook_url: str) -> str:
    """The page for a Chat Trigger's parameters (n8n's options and their defaults)."""
    options = params.get("options") or {}
    initial = str(
        params.get(
            "initialMessages", "Hi there! 👋\nMy name is Nathan. How can I assist you today?"
        )
    )
    config = {
        "webhookUrl": webhook_url,
        "initialMessages": [line for line in initial.split("\n") if line.strip()],
        "loadPreviousSession": options.get("loadPreviousSession", "notSupported"),
        "showWelcomeScreen": bool(options.get("showWelcomeScreen", False)),
        "streaming": options.get("responseMode") == "streaming",
    }
    blob = json.dumps(config).replace("<", "\\u003c")
    values = {
        "__TITLE__": escape(str(options.get("title", "Hi there! 👋"))),
        "__SUBTITLE__": escape(
            str(options.get("subtitle", "Start a chat. We're here to help you 24/7."))
        ),
        "__GET_STARTED__": escape(str(options.get("getStarted", "New Conversation"))),
        "__PLACEHOLDER__": escape(str(options.get("inputPlaceholder", "Type your question.."))),
        "__CSS__": sanitize_css(str(options.get("customCss", ""))),
        "__CONFIG__": blob,
    }
    page = _PAGE
    for marker, value in values.items():
        page = page.replace(marker, value)
    return page
