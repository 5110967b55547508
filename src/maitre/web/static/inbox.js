/* Maitre inbox: live list and live transcript over server-sent events (cookie session). */
(function () {
  "use strict";
  var API = "/api/v1/conversations";

  function liveState(source) {
    var node = document.querySelector("[data-live-state]");
    if (!node) return;
    source.addEventListener("open", function () {
      node.textContent = node.getAttribute("data-live-text");
      node.classList.add("on");
    });
    source.addEventListener("error", function () {
      node.textContent = node.getAttribute("data-offline-text");
      node.classList.remove("on");
    });
  }

  /* The list: any new message or status change re-fetches the server-rendered rows. */
  function setupList() {
    var box = document.querySelector("[data-inbox-list]");
    if (!box || typeof window.EventSource === "undefined") return;
    var tab = box.getAttribute("data-tab");
    var timer = null;
    var refresh = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch("/inbox/rows?tab=" + encodeURIComponent(tab), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            box.innerHTML = html; /* server-rendered and escaped by the template */
            var counts = box.querySelector("[data-counts]");
            if (!counts) return;
            var data = JSON.parse(counts.getAttribute("data-counts"));
            Object.keys(data).forEach(function (name) {
              var badge = document.querySelector("[data-count='" + name + "']");
              if (badge) badge.textContent = String(data[name]);
            });
          })
          .catch(function () { /* the next event retries */ });
      }, 250);
    };
    var source = new EventSource(API + "/stream?timeout=120");
    liveState(source);
    source.addEventListener("message", refresh);
    source.addEventListener("status", refresh);
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function annotation(list, label, value) {
    list.appendChild(el("dt", "", label));
    list.appendChild(el("dd", "", value));
  }

  /* One message as the transcript shows it; every text goes in through textContent. */
  function messageNode(box, msg) {
    var li = el("li", "msg msg-" + msg.sender);
    li.id = "m-" + msg.id;
    li.setAttribute("data-message-id", String(msg.id));
    var head = el("div", "msg-head");
    var data = msg.data || {};
    var who = box.getAttribute("data-label-" + msg.sender) || msg.sender;
    if (data.author) who += " · " + data.author;
    head.appendChild(el("span", "sender", who));
    var when = el("time", "", (msg.created_at || "").slice(11, 16));
    when.setAttribute("datetime", msg.created_at || "");
    head.appendChild(document.createTextNode(" "));
    head.appendChild(when);
    li.appendChild(head);
    li.appendChild(el("p", "msg-text", msg.text));
    var nlu = data.nlu || null;
    if (msg.sender === "customer" && nlu) {
      var dl = el("dl", "annotations");
      annotation(dl, box.getAttribute("data-label-intent"), nlu.intent || "—");
      annotation(dl, box.getAttribute("data-label-confidence"),
        typeof nlu.confidence === "number" ? nlu.confidence.toFixed(2) : "—");
      li.appendChild(dl);
    } else if ((msg.sender === "bot" || msg.sender === "customer") && data.action) {
      var actions = el("dl", "annotations");
      annotation(actions, box.getAttribute("data-label-action"),
        data.action + (data.outcome ? " → " + data.outcome : ""));
      li.appendChild(actions);
    }
    return li;
  }

  /* The transcript: new messages are appended live; a status change is announced. */
  function setupTranscript() {
    var box = document.querySelector("[data-transcript]");
    if (!box || typeof window.EventSource === "undefined") return;
    var id = box.getAttribute("data-conversation");
    var labels = JSON.parse(box.getAttribute("data-status-labels") || "{}");
    var shown = box.getAttribute("data-status");
    box.lastElementChild && box.lastElementChild.scrollIntoView({ block: "nearest" });
    var url = API + "/" + encodeURIComponent(id) + "/events?timeout=120&after=" +
      encodeURIComponent(box.getAttribute("data-last-id") || "0");
    var source = new EventSource(url);
    liveState(source);
    source.addEventListener("message", function (event) {
      var msg = JSON.parse(event.data);
      if (document.getElementById("m-" + msg.id)) return;
      var node = messageNode(box, msg);
      box.appendChild(node);
      node.scrollIntoView({ block: "nearest" });
    });
    source.addEventListener("status", function (event) {
      var data = JSON.parse(event.data);
      if (data.status === shown) return;
      shown = data.status;
      var badge = document.querySelector("[data-conv-status]");
      if (badge) badge.textContent = labels[data.status] || data.status;
      var note = document.getElementById("status-changed");
      if (note) {
        note.textContent = note.getAttribute("data-text").replace("{status}", labels[data.status] || data.status);
        note.hidden = false;
      }
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupList();
    setupTranscript();
  });
})();
