/*
 * Maitre chat widget. Embed on any page with one tag:
 *
 *   <script src="https://crm.example.com/static/widget.js" data-key="mtr_..."
 *           data-token="wct1...." data-lang="en" defer></script>
 *
 * data-key    a widget API key (role "widget"; public by design: it can only chat).
 * data-token  optional signed customer token from the shop's back end (POST /api/v1/widget/tokens)
 *             naming the logged-in customer, so the assistant need not ask who they are.
 * data-lang   "en" or "zh" (default: the browser's language).
 * data-api    optional base URL of the Maitre server (default: where this script came from).
 *
 * The widget lives in a shadow root (its CSS cannot leak into the shop's page or back), puts
 * every text in with textContent, and reads live updates (a person's replies, status changes)
 * from the conversation's server-sent events with fetch(), because EventSource cannot send the
 * Authorization header. Cross-origin shops need MAITRE_CORS_ORIGINS to list their origin.
 */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[data-key][src*='widget.js']");
  if (!script || window.__maitreWidget) return;
  window.__maitreWidget = true;

  var KEY = script.getAttribute("data-key") || "";
  var TOKEN = script.getAttribute("data-token") || "";
  var LANG = (script.getAttribute("data-lang") || navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var BASE = (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var API = BASE + "/api/v1/conversations";
  var STORE = "maitre-chat:" + KEY.slice(0, 24) + ":" + whoFromToken(TOKEN);

  /* Who a customer token names (its payload is signed, not secret), so a reload with a fresh
     token for the same customer resumes the chat, and another customer's token does not. */
  function whoFromToken(token) {
    if (!token) return "anon";
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return "c" + String(JSON.parse(atob(part + "===".slice((part.length + 3) % 4))).c);
    } catch (e) {
      return token.slice(-16);
    }
  }

  var TEXT = {
    en: {
      open: "Chat with us", title: "Shop assistant", close: "Close chat",
      welcome: "Hi! I can help with orders, returns, refunds and questions about our shop.",
      placeholder: "Type your message…", label: "Your message", send: "Send",
      log: "Conversation", quick: "Suggested replies", typing: "The assistant is typing…",
      yes: "Yes", no: "No", yesSay: "yes", noSay: "no",
      first: "The first", second: "The second", firstSay: "the first one", secondSay: "the second one",
      connecting: "Connecting you to a person… They can see this conversation.",
      human: "You are chatting with a member of our team.",
      back: "You are back with the virtual assistant.",
      closed: "This conversation has ended.", again: "Start a new chat",
      csat: "How would you rate this conversation?", star: "Rate {n} out of 5",
      thanks: "Thank you for your feedback!",
      failed: "Sorry, something went wrong. Please try again.",
      you: "You", bot: "Assistant", agent: "Team", system: "Notice"
    },
    zh: {
      open: "在线咨询", title: "智能客服", close: "关闭对话",
      welcome: "您好！我可以帮您查询订单、办理退货退款，或解答关于本店的问题。",
      placeholder: "请输入消息…", label: "您的消息", send: "发送",
      log: "对话记录", quick: "快捷回复", typing: "客服正在输入…",
      yes: "是的", no: "不用了", yesSay: "是的", noSay: "不用了",
      first: "第一个", second: "第二个", firstSay: "第一个", secondSay: "第二个",
      connecting: "正在为您转接人工客服……客服可以看到本次对话。",
      human: "您正在与人工客服对话。",
      back: "您已回到智能助手。",
      closed: "本次对话已结束。", again: "开始新的对话",
      csat: "请为本次服务评分", star: "评 {n} 分（满分 5 分）",
      thanks: "感谢您的评价！",
      failed: "抱歉，出了点问题，请稍后再试。",
      you: "我", bot: "智能助手", agent: "客服", system: "通知"
    }
  }[LANG];

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Noto Sans CJK SC',sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#7a3b2e;color:#fff;border:0;border-radius:999px;padding:12px 18px;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #1a5fd0;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483001;width:min(370px,calc(100vw - 24px));height:min(540px,calc(100vh - 100px));background:#fff;color:#1d1d1f;border:1px solid #dcdcd8;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;font-size:14px;line-height:1.45}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;background:#7a3b2e;color:#fff;padding:10px 14px}",
    "h2{font-size:16px;margin:0}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}",
    ".banner{background:#fff6e0;border-bottom:1px solid #e8d9a8;padding:8px 12px;font-size:13px}",
    ".banner[hidden]{display:none}",
    ".log{list-style:none;margin:0;padding:12px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg .who{display:block;font-size:11px;opacity:.7;margin-bottom:2px}",
    ".from-customer{align-self:flex-end;background:#7a3b2e;color:#fff;border-bottom-right-radius:4px}",
    ".from-bot{align-self:flex-start;background:#f0efec;border-bottom-left-radius:4px}",
    ".from-agent{align-self:flex-start;background:#e2f0f3;border:1px solid #b6d8e0;border-bottom-left-radius:4px}",
    ".from-system{align-self:center;background:transparent;color:#5f5f66;font-size:12px;text-align:center}",
    ".typing{align-self:flex-start;color:#5f5f66;font-size:12px;font-style:italic}",
    ".quick{display:flex;gap:6px;flex-wrap:wrap;padding:0 12px 8px}",
    ".quick:empty{display:none}",
    ".quick button,.csat button,.again{background:#fff;color:#7a3b2e;border:1px solid #7a3b2e;border-radius:999px;padding:5px 12px;cursor:pointer;font-size:13px}",
    ".csat{padding:8px 12px;border-top:1px solid #dcdcd8;text-align:center}",
    ".csat[hidden]{display:none}",
    ".csat p{margin:0 0 6px}",
    ".stars{display:flex;gap:4px;justify-content:center}",
    ".stars button{font-size:20px;padding:2px 8px;border-radius:6px}",
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #dcdcd8}",
    "input{flex:1;min-width:0;padding:8px 10px;border:1px solid #dcdcd8;border-radius:8px;font-size:14px;color:#1d1d1f;background:#fff}",
    "form button{background:#7a3b2e;color:#fff;border:0;border-radius:8px;padding:8px 14px;cursor:pointer;font-size:14px}",
    "form button:disabled,input:disabled{opacity:.5;cursor:not-allowed}",
    ".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    "@media (max-width:480px){.panel{right:8px;left:8px;bottom:70px;width:auto;height:calc(100vh - 90px)}.launcher{right:12px;bottom:12px}}"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* ---- the DOM ---- */
  var host = el("div", { id: "maitre-chat", "data-maitre-widget": "" });
  var shadow = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "mc-panel" }, TEXT.open);
  var panel = el("section", { id: "mc-panel", class: "panel", role: "dialog", "aria-labelledby": "mc-title", hidden: "" });
  var header = el("header");
  header.appendChild(el("h2", { id: "mc-title" }, TEXT.title));
  var closer = el("button", { type: "button", class: "close", "aria-label": TEXT.close }, "×");
  header.appendChild(closer);
  var banner = el("div", { class: "banner", role: "status", hidden: "" });
  var log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": TEXT.log });
  var quick = el("div", { class: "quick", role: "group", "aria-label": TEXT.quick });
  var csat = el("div", { class: "csat", role: "group", "aria-labelledby": "mc-csat", hidden: "" });
  var form = el("form", { autocomplete: "off" });
  var label = el("label", { for: "mc-input", class: "sr-only" }, TEXT.label);
  var input = el("input", { id: "mc-input", name: "message", type: "text", maxlength: "4000", placeholder: TEXT.placeholder });
  var sendButton = el("button", { type: "submit" }, TEXT.send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);
  [header, banner, log, quick, csat, form].forEach(function (n) { panel.appendChild(n); });
  [style, launcher, panel].forEach(function (n) { shadow.appendChild(n); });

  /* ---- state ---- */
  var conversationId = null;
  var lastId = 0;
  var status = "bot";
  var streaming = false;
  var rated = false;
  var started = false;

  function say(sender, text, id) {
    if (id && shadow.getElementById("mc-m-" + id)) return;
    var item = el("li", { class: "msg from-" + sender });
    if (id) item.id = "mc-m-" + id;
    if (sender !== "system") item.appendChild(el("span", { class: "who" }, TEXT[sender === "customer" ? "you" : sender] || sender));
    item.appendChild(document.createTextNode(String(text)));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function showBanner(text) {
    banner.textContent = text;
    banner.hidden = !text;
  }

  function setBusy(busy) {
    input.disabled = busy || status === "resolved" || status === "abandoned";
    sendButton.disabled = input.disabled;
  }

  function headers(json) {
    var h = { Authorization: "Bearer " + KEY, Accept: json ? "application/json" : "text/event-stream" };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  function call(method, path, body) {
    return fetch(API + path, {
      method: method, headers: headers(true), mode: "cors", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (!response.ok) { var err = new Error("HTTP " + response.status); err.status = response.status; err.data = data; throw err; }
        return data;
      });
    });
  }

  function remember() {
    try { sessionStorage.setItem(STORE, String(conversationId)); } catch (e) { /* storage blocked */ }
  }

  function forget() {
    try { sessionStorage.removeItem(STORE); } catch (e) { /* storage blocked */ }
  }

  /* ---- quick replies and CSAT ---- */
  function quickReplies(state) {
    quick.textContent = "";
    var pending = (state && state.pending) || null;
    var kind = pending && pending.kind;
    var options = [];
    if (kind === "confirm" || kind === "confirm_handoff") {
      options = [[TEXT.yes, TEXT.yesSay], [TEXT.no, TEXT.noSay]];
    } else if (kind === "clarify") {
      options = [[TEXT.first, TEXT.firstSay], [TEXT.second, TEXT.secondSay]];
    }
    options.forEach(function (pair) {
      var b = el("button", { type: "button", "data-say": pair[1] }, pair[0]);
      b.addEventListener("click", function () { send(pair[1]); });
      quick.appendChild(b);
    });
  }

  function askRating() {
    if (rated || !conversationId || !csat.hidden) return;
    csat.textContent = "";
    csat.appendChild(el("p", { id: "mc-csat" }, TEXT.csat));
    var stars = el("div", { class: "stars" });
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = el("button", { type: "button", "data-score": String(n), "aria-label": TEXT.star.replace("{n}", n) }, "★");
      b.addEventListener("click", function () { rate(n); });
      stars.appendChild(b);
    });
    csat.appendChild(stars);
    csat.hidden = false;
  }

  function rate(score) {
    rated = true;
    csat.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    call("POST", "/" + conversationId + "/csat", { score: score })
      .catch(function () { /* already rated, or the chat is gone: thank them either way */ })
      .then(function () {
        csat.textContent = "";
        csat.appendChild(el("p", { role: "status" }, TEXT.thanks));
      });
  }

  function ended() {
    status = status === "abandoned" ? "abandoned" : "resolved";
    setBusy(false);
    quick.textContent = "";
    showBanner(TEXT.closed);
    forget();
    if (status === "resolved") askRating();
    if (!shadow.querySelector(".again")) {
      var again = el("button", { type: "button", class: "again" }, TEXT.again);
      again.addEventListener("click", restart);
      banner.appendChild(document.createTextNode(" "));
      banner.appendChild(again);
    }
  }

  function restart() {
    conversationId = null; lastId = 0; status = "bot"; rated = false; streaming = false;
    log.textContent = ""; quick.textContent = ""; csat.hidden = true; csat.textContent = "";
    showBanner("");
    forget();
    say("bot", TEXT.welcome);
    setBusy(false);
    input.focus();
  }

  function onStatus(next) {
    if (next === status) return;
    var before = status;
    status = next;
    if (next === "handed_off") showBanner(TEXT.connecting);
    else if (next === "bot" && before === "handed_off") showBanner("");
    else if (next === "resolved" || next === "abandoned") ended();
  }

  /* ---- live updates: SSE read with fetch so the key goes in a header ---- */
  function handleFrame(frame) {
    var event = "message", data = "", id = null;
    frame.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) event = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data += line.slice(5).replace(/^ /, "");
      else if (line.indexOf("id:") === 0) id = line.slice(3).trim();
    });
    if (!data) return;
    var payload;
    try { payload = JSON.parse(data); } catch (e) { return; }
    if (event === "message") {
      if (id && Number(id) > lastId) lastId = Number(id);
      /* The customer's own messages and the bot's replies came back with each POST. */
      if (payload.sender === "agent" || payload.sender === "system") {
        say(payload.sender, payload.text, payload.id);
        if (payload.sender === "agent" && status === "handed_off") showBanner(TEXT.human);
      }
    } else if (event === "status") {
      onStatus(payload.status);
    }
  }

  function readStream() {
    if (!conversationId || status === "resolved" || status === "abandoned") { streaming = false; return; }
    var current = conversationId;
    fetch(API + "/" + current + "/events?timeout=60&after=" + lastId, {
      headers: headers(false), mode: "cors", credentials: "omit"
    }).then(function (response) {
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split(/\r?\n\r?\n/);
          buffer = parts.pop();
          parts.forEach(handleFrame);
          if (current !== conversationId) { reader.cancel(); return; }
          return pump();
        });
      }
      return pump();
    }).then(function () {
      if (current === conversationId) setTimeout(readStream, 500);
    }, function () {
      if (current === conversationId) setTimeout(readStream, 4000);
    });
  }

  function stream() {
    if (streaming) return;
    streaming = true;
    readStream();
  }

  /* ---- talking ---- */
  function start() {
    var body = { language: LANG };
    if (TOKEN) body.customer_token = TOKEN;
    return call("POST", "", body).then(function (conv) {
      conversationId = conv.id;
      status = conv.status;
      remember();
      stream();
      return conv;
    });
  }

  function resume(id) {
    return call("GET", "/" + encodeURIComponent(id)).then(function (conv) {
      if (conv.status === "resolved" || conv.status === "abandoned") throw new Error("closed");
      conversationId = conv.id;
      status = conv.status;
      (conv.messages || []).forEach(function (m) {
        say(m.sender, m.text, m.id);
        lastId = Math.max(lastId, m.id);
      });
      if (status === "handed_off") showBanner(TEXT.connecting);
      stream();
    });
  }

  function send(text) {
    text = String(text || "").trim();
    if (!text || input.disabled) return;
    quick.textContent = "";
    say("customer", text);
    input.value = "";
    setBusy(true);
    var typing = el("li", { class: "typing", "aria-hidden": "true" }, TEXT.typing);
    log.appendChild(typing);
    log.scrollTop = log.scrollHeight;
    var ready = conversationId ? Promise.resolve() : start();
    ready.then(function () {
      return call("POST", "/" + conversationId + "/messages", { text: text });
    }).then(function (turn) {
      var reply = (turn && turn.reply) || {};
      if (reply.text) say("bot", reply.text);
      if (reply.handoff && status !== "handed_off") { status = "handed_off"; showBanner(TEXT.connecting); }
      quickReplies(turn && turn.state);
      if (reply.intent === "goodbye") askRating();
    }).catch(function (err) {
      if (err && err.status === 409) { ended(); return; }
      if (err && err.status === 404) { forget(); conversationId = null; }
      say("system", TEXT.failed);
    }).then(function () {
      if (typing.parentNode) typing.parentNode.removeChild(typing);
      setBusy(false);
      if (!input.disabled) input.focus();
    });
  }

  /* ---- opening and closing ---- */
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!started) {
      started = true;
      var stored = null;
      try { stored = sessionStorage.getItem(STORE); } catch (e) { stored = null; }
      say("bot", TEXT.welcome);
      if (stored) resume(stored).catch(function () { forget(); conversationId = null; });
    }
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closer.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); send(input.value); });

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
