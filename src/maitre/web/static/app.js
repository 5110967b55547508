/* Maitre staff app: theme, menu, small form helpers, charts, the kanban board, training. */
(function () {
  "use strict";
  var root = document.documentElement;

  function csrfToken() {
    var raw = document.body.getAttribute("hx-headers") || "{}";
    try { return JSON.parse(raw)["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }

  /* Tell the user when an in-place update failed (HTMX does not swap error responses). */
  function flash(status) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = box.getAttribute("data-message") + (status ? " (" + status + ")" : "");
    box.hidden = false;
  }

  /* Theme toggle, remembered in localStorage. */
  function setupTheme() {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    var sync = function () {
      button.setAttribute("aria-pressed", root.getAttribute("data-theme") === "dark" ? "true" : "false");
    };
    sync();
    button.addEventListener("click", function () {
      var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("maitre-theme", next); } catch (e) { /* storage blocked */ }
      sync();
      renderCharts();
    });
  }

  function setupMenu() {
    var toggle = document.querySelector("[data-menu-toggle]");
    var nav = document.getElementById("main-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function setupForms() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    document.body.addEventListener("htmx:responseError", function (event) {
      flash(event.detail.xhr ? event.detail.xhr.status : 0);
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (event.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset-on-success")) {
        form.reset();
      }
    });
  }

  /* Charts: each canvas names its JSON data block and its kind. */
  var charts = [];
  function readData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function chartConfig(kind, data) {
    var accent = cssVar("--accent"), second = cssVar("--accent-2"), third = cssVar("--accent-3");
    var band = cssVar("--band");
    switch (kind) {
      case "forecast":
        return { type: "line", data: { labels: data.labels, datasets: [
          { label: "hi", data: data.hi, borderWidth: 0, pointRadius: 0, fill: "+1", backgroundColor: band },
          { label: "lo", data: data.lo, borderWidth: 0, pointRadius: 0, fill: false },
          { label: "forecast", data: data.yhat, borderColor: accent, backgroundColor: accent, tension: 0.2 }
        ] }, options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } } };
      case "sales":
        return { type: "bar", data: { labels: data.labels, datasets: [
          { label: "revenue", data: data.revenue, backgroundColor: accent, yAxisID: "y" },
          { label: "orders", data: data.orders, type: "line", borderColor: second, backgroundColor: second, yAxisID: "y1" }
        ] }, options: { scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } } };
      case "agent":
        return { type: "line", data: { labels: data.labels, datasets: [
          { label: "completion", data: data.completion, borderColor: accent, backgroundColor: accent },
          { label: "containment", data: data.containment, borderColor: second, backgroundColor: second },
          { label: "handoff", data: data.handoff, borderColor: third, backgroundColor: third }
        ] }, options: { scales: { y: { min: 0, max: 1 } } } };
      case "intents":
        return { type: "bar", data: { labels: data.intents, datasets: [
          { label: "messages", data: data.intent_counts, backgroundColor: accent }
        ] }, options: { indexAxis: "y", plugins: { legend: { display: false } } } };
      case "segments":
        return { type: "bar", data: { labels: data.labels, datasets: [
          { label: "customers", data: data.sizes, backgroundColor: second }
        ] }, options: { plugins: { legend: { display: false } } } };
      case "top":
        return { type: "bar", data: { labels: data.labels, datasets: [
          { label: "units", data: data.units, backgroundColor: accent }
        ] }, options: { indexAxis: "y", plugins: { legend: { display: false } } } };
      case "confusion":
        return confusionConfig(data, accent, second);
    }
    return null;
  }

  /* "#rrggbb" at opacity a (other colour forms are returned as they are). */
  function withAlpha(color, a) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (!m) return color;
    return "rgba(" + parseInt(m[1], 16) + ", " + parseInt(m[2], 16) + ", " + parseInt(m[3], 16) + ", " + a + ")";
  }

  /* Confusion heatmap: one square per (true, predicted) cell on two category axes; mistakes
     shaded by count against the largest mistake, correct answers (the diagonal) in a second
     colour so they do not wash the mistakes out. */
  function confusionConfig(data, accent, second) {
    var n = data.labels.length, maxOff = Math.max(data.max_off, 1);
    function side(ctx) {
      var area = ctx.chart.chartArea;
      if (!area) return 4;
      return Math.max(2, Math.min(area.width, area.height) / n / Math.SQRT2 - 1);
    }
    return { type: "scatter", data: { datasets: [{
      label: "confusion",
      data: data.cells,
      pointStyle: "rect",
      pointRadius: side,
      pointHoverRadius: side,
      borderWidth: 0,
      backgroundColor: function (ctx) {
        var cell = ctx.raw;
        if (!cell) return "transparent";
        if (cell.diag) return withAlpha(second, cell.v > 0 ? 0.35 : 0.05);
        return withAlpha(accent, cell.v > 0 ? 0.15 + 0.85 * cell.v / maxOff : 0.04);
      }
    }] }, options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) {
        return ctx.raw.y + " → " + ctx.raw.x + ": " + ctx.raw.v;
      } } } },
      scales: {
        x: { type: "category", labels: data.labels, offset: true, grid: { display: false }, ticks: { autoSkip: false, maxRotation: 60, minRotation: 30 } },
        y: { type: "category", labels: data.labels, offset: true, reverse: false, grid: { display: false }, ticks: { autoSkip: false } }
      }
    } };
  }

  function renderCharts() {
    if (typeof window.Chart === "undefined") return;
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    window.Chart.defaults.color = cssVar("--muted");
    window.Chart.defaults.borderColor = cssVar("--line");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var data = readData(canvas.getAttribute("data-source"));
      var config = data && chartConfig(canvas.getAttribute("data-chart"), data);
      if (!config) return;
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
      charts.push(new window.Chart(canvas, config));
    });
  }

  /* Kanban: drag a card to another column; the move is saved with the session's CSRF token. */
  function setupKanban() {
    var board = document.querySelector("[data-kanban][data-can-move]");
    if (!board) return;
    var status = document.getElementById("kanban-status");
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".deal-card");
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id"));
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      board.querySelectorAll(".drop-target").forEach(function (n) { n.classList.remove("drop-target"); });
    });
    board.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest(".kanban-col");
      if (!column || !dragged) return;
      event.preventDefault();
      board.querySelectorAll(".drop-target").forEach(function (n) { if (n !== column) n.classList.remove("drop-target"); });
      column.classList.add("drop-target");
    });
    board.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest(".kanban-col");
      if (!column || !dragged) return;
      event.preventDefault();
      column.classList.remove("drop-target");
      var card = dragged, from = card.closest(".kanban-list");
      var list = column.querySelector(".kanban-list"), stage = column.getAttribute("data-stage");
      if (list === from) return;
      list.insertBefore(card, list.firstChild);
      var hint = column.querySelector(".kanban-empty");
      if (hint) hint.hidden = true;
      moveDeal(card, stage, from, status);
    });
  }

  function moveDeal(card, stage, from, status) {
    var id = card.getAttribute("data-deal-id");
    var body = new URLSearchParams({ stage: stage });
    fetch("/deals/" + encodeURIComponent(id) + "/stage", {
      method: "POST",
      headers: { "X-CSRF-Token": csrfToken(), "X-Requested-With": "fetch", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      var fresh = template.content.firstElementChild;
      if (fresh) card.replaceWith(fresh);
      card.classList.remove("dragging");
      if (status) status.textContent = (fresh || card).querySelector("strong").textContent + " → " + stage;
      document.body.dispatchEvent(new CustomEvent("maitre:deal-moved", { detail: { id: id, stage: stage } }));
    }).catch(function () {
      from.insertBefore(card, from.firstChild);
      flash(0);
      card.classList.add("error-flash");
    });
  }

  /* Training: queue a run through the API, then poll its progress. */
  function setupTraining() {
    var form = document.querySelector("[data-train-form]");
    if (!form) return;
    var box = document.querySelector("[data-train-status]");
    var bar = document.querySelector("[data-train-progress]");
    var message = document.querySelector("[data-train-message]");
    var button = form.querySelector("[data-train-button]");
    function show(run) {
      box.hidden = false;
      bar.value = run.progress || 0;
      message.textContent = run.status + (run.message ? " · " + run.message : "") + (run.error ? " · " + run.error : "");
    }
    function poll(id) {
      fetch("/api/v1/training-runs/" + id, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (run) {
          show(run);
          if (run.status === "queued" || run.status === "running") setTimeout(function () { poll(id); }, 1500);
          else button.disabled = false;
        })
        .catch(function () { button.disabled = false; });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      var quick = form.querySelector("[name=quick]").checked;
      var finetune = form.querySelector("[name=finetune]").checked && !quick;
      fetch("/api/v1/nlu/train", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ activate: true, use_encoder: !quick, finetune: finetune })
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (res) {
        if (!res.ok) { show({ status: "error", progress: 0, message: res.body.detail || "" }); button.disabled = false; return; }
        show(res.body);
        poll(res.body.id);
      }).catch(function () { button.disabled = false; });
    });
  }

  function start() {
    setupTheme();
    setupMenu();
    setupForms();
    setupKanban();
    setupTraining();
    renderCharts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
