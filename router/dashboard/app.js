// tiergate dashboard: plain JS, no build step. Data comes from the admin endpoints only, with
// the admin key kept in sessionStorage; values are written with textContent, never as HTML.
"use strict";
(function () {
  const REFRESH_MS = 3000;
  const KEY = "tiergate-admin-key";
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let data = null;
  let whatifT = null; // the slider's value, drawn on the difficulty histogram
  let timer = null;
  let debounce = null;
  let sliderTouched = false;

  const pct = (v) => (v === null || v === undefined ? "-" : (100 * v).toFixed(1) + " %");
  const usd = (v) => (v === null || v === undefined ? "-" : "$" + v.toFixed(v < 1 ? 4 : 2));
  const sec = (v) => (v === null || v === undefined ? "-" : v.toFixed(3));
  const when = (t) => (t ? new Date(t * 1000).toLocaleTimeString() : "-");

  async function call(method, path, body) {
    const headers = { authorization: "Bearer " + sessionStorage.getItem(KEY) };
    if (body !== undefined) headers["content-type"] = "application/json";
    const resp = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit",
    });
    const json = await resp.json().catch(() => ({}));
    if (resp.status === 401) { signOut("That is not the admin key."); throw new Error("401"); }
    if (!resp.ok) throw new Error((json.error && json.error.message) || resp.statusText);
    return json;
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    clearInterval(timer);
    $("panels").hidden = true;
    $("login").hidden = false;
    $("signout").hidden = true;
    $("status").textContent = "not signed in";
    $("login-error").textContent = message || "";
  }

  function signIn() {
    $("login").hidden = true;
    $("panels").hidden = false;
    $("signout").hidden = false;
    refresh();
    timer = setInterval(refresh, REFRESH_MS);
  }

  // A vertical line at score t (0..1) over a histogram of equal bins: solid = in force.
  const thresholdLines = {
    id: "thresholdLines",
    afterDatasetsDraw(chart, _args, opts) {
      const { ctx, chartArea: a } = chart;
      for (const [t, dash, colour] of opts.lines || []) {
        if (t === null || t === undefined) continue;
        const x = chart.scales.x.getPixelForValue(Math.min(1, Math.max(0, t)));
        ctx.save();
        ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash(dash);
        ctx.beginPath(); ctx.moveTo(x, a.top); ctx.lineTo(x, a.bottom); ctx.stroke();
        ctx.restore();
      }
    },
  };

  function histogramChart(id, colour) {
    return new Chart($(id), {
      type: "bar",
      data: { datasets: [{ label: "requests", data: [], backgroundColor: colour,
        barPercentage: 1, categoryPercentage: 0.95 }] },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: { legend: { display: false }, thresholdLines: { lines: [] } },
        scales: { x: { type: "linear", min: 0, max: 1, offset: false, ticks: { stepSize: 0.1 } },
          y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
      plugins: [thresholdLines],
    });
  }

  function makeCharts() {
    if (charts.tiers || typeof Chart === "undefined") return;
    charts.tiers = new Chart($("chart-tiers"), {
      type: "bar",
      data: { labels: ["local", "frontier"], datasets: [{ label: "requests", data: [0, 0],
        backgroundColor: ["#12b76a", "#3156d3"] }] },
      options: { animation: false, maintainAspectRatio: false, indexAxis: "y", plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    charts.difficulty = histogramChart("chart-difficulty", "#98a2b3");
    charts.sensitivity = histogramChart("chart-sensitivity", "#f79009");
  }

  function setHistogram(chart, counts, lines) {
    const n = counts.length; // equal bins over [0, 1]: each bar sits on its bin's centre
    chart.data.datasets[0].data = counts.map((y, i) => ({ x: (i + 0.5) / n, y }));
    chart.options.plugins.thresholdLines.lines = lines;
    chart.update();
  }

  function drawHistograms() {
    if (!data || !charts.difficulty) return;
    const h = data.summary.histograms, t = data.thresholds.in_force;
    setHistogram(charts.difficulty, h.difficulty,
      [[t.difficulty, [], "#d92d20"], [whatifT, [6, 4], "#3156d3"]]);
    setHistogram(charts.sensitivity, h.sensitivity, [[t.sensitivity, [], "#d92d20"]]);
  }

  function fillTable(id, rows) {
    const body = $(id).querySelector("tbody");
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
      return tr;
    }));
  }

  function render() {
    const s = data.summary;
    $("status").textContent = `${s.requests} requests in the last ${Math.round(data.window_seconds / 60)} min` +
      ` (${data.shared ? "every replica" : "this replica"}) - updated ${when(data.now)}`;
    $("requests").textContent = s.requests;
    $("req-local").textContent = s.per_tier.local;
    $("req-frontier").textContent = s.per_tier.frontier;
    $("frontier-share").textContent = pct(s.frontier_share);
    $("sensitive").textContent = s.sensitive;
    $("cost-hour").textContent = usd(s.cost_per_hour);
    $("counterfactual-hour").textContent = usd(s.counterfactual_per_hour);
    $("savings-hour").textContent = usd(s.savings_per_hour);
    $("savings-share").textContent = pct(s.savings_share);
    $("cache-ratio").textContent = pct(s.cache.hit_ratio);
    $("cache-hits").textContent = s.cache.hit;
    $("cache-misses").textContent = s.cache.miss;
    $("fallbacks").textContent = s.fallbacks;
    $("errors").textContent = s.errors;
    fillTable("latency", ["local", "frontier"].map((t) => {
      const l = s.latency[t];
      return [t, sec(l.p50), sec(l.p95), sec(l.p99), sec(l.ttft_p50), sec(l.ttft_p95), sec(l.ttft_p99)];
    }));
    const th = data.thresholds;
    $("th-difficulty").textContent = th.in_force.difficulty.toFixed(4);
    $("th-sensitivity").textContent = th.in_force.sensitivity.toFixed(4);
    $("th-version").textContent = th.version;
    fillTable("history", data.history.map((r) => [r.version, when(r.at), r.by, r.action,
      r.difficulty, r.sensitivity, r.previous ? `${r.previous.difficulty} / ${r.previous.sensitivity}` : "-"]));
    $("quality-source").textContent = "Expected quality: " + data.quality_source + ".";
    renderController(data.controller);
    if (!sliderTouched) {
      $("whatif-threshold").value = th.in_force.difficulty;
      $("whatif-value").textContent = Number(th.in_force.difficulty).toFixed(2);
    }
    if (charts.tiers) { charts.tiers.data.datasets[0].data = [s.per_tier.local, s.per_tier.frontier]; charts.tiers.update(); }
    drawHistograms();
  }

  function renderController(c) {
    if (!c || !c.enabled) { $("controller-config").textContent = "off (controller.enabled in the routing file)"; }
    else {
      const goal = c.usd_per_hour !== null ? `budget ${usd(c.usd_per_hour)}/h` : `frontier share ${pct(c.target_frontier_share)}`;
      $("controller-config").textContent = `on: ${goal}, threshold within [${c.min_threshold}, ${c.max_threshold}],` +
        ` step ${c.step} every ${c.interval_seconds} s`;
    }
    const l = c && c.last;
    $("controller-last").textContent = l ? `last tick ${when(l.at)}: ${l.action} (${l.why}), measured ` +
      `${l.measured === null ? "-" : Number(l.measured).toFixed(4)} vs target ${l.target}` : "";
    fillTable("controller-moves", data.history.filter((r) => r.by === "controller")
      .map((r) => [when(r.at), r.previous ? r.previous.difficulty : "-", r.difficulty]));
  }

  async function refresh() {
    try {
      data = await call("GET", "/admin/dashboard/data");
      makeCharts();
      render();
    } catch (e) {
      if (e.message !== "401") $("status").textContent = "refresh failed: " + e.message;
    }
  }

  async function whatif(query) {
    try {
      const r = await call("GET", "/admin/dashboard/whatif?" + query);
      const p = r.projection, c = r.current;
      whatifT = p.threshold;
      $("whatif-threshold").value = p.threshold;
      $("whatif-value").textContent = p.threshold.toFixed(2);
      $("whatif-result").textContent = `At ${p.threshold.toFixed(4)}: frontier share ${pct(p.frontier_share)}` +
        ` (now ${pct(c.frontier_share)}), cost ${usd(p.cost_per_hour)}/h (now ${usd(c.cost_per_hour)}/h),` +
        ` small tier falls short on ${pct(p.shortfall_share)} of requests (now ${pct(c.shortfall_share)})` +
        ` - over ${p.requests} recent requests.`;
      drawHistograms();
    } catch (e) {
      if (e.message !== "401") $("whatif-result").textContent = "projection failed: " + e.message;
    }
  }

  async function act(method, path, body) {
    try {
      const r = await call(method, path, body);
      $("action-result").textContent = `version ${r.version}: difficulty ${r.difficulty} (was ${r.previous.difficulty})`;
      sliderTouched = false;
      whatifT = null;
      await refresh();
    } catch (e) {
      if (e.message !== "401") $("action-result").textContent = "failed: " + e.message;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $("key").value);
      $("key").value = "";
      signIn();
    });
    $("signout").addEventListener("click", () => signOut(""));
    $("whatif-threshold").addEventListener("input", (ev) => {
      sliderTouched = true;
      $("whatif-value").textContent = Number(ev.target.value).toFixed(2);
      clearTimeout(debounce);
      debounce = setTimeout(() => whatif("difficulty=" + ev.target.value), 80);
    });
    $("find-share").addEventListener("click", () => {
      sliderTouched = true;
      whatif("frontier_share=" + Number($("target-share").value) / 100);
    });
    $("find-budget").addEventListener("click", () => {
      sliderTouched = true;
      whatif("usd_per_hour=" + Number($("target-budget").value));
    });
    $("apply").addEventListener("click", () => act("PUT", "/admin/thresholds", {
      difficulty: Number($("whatif-threshold").value),
      sensitivity: data ? data.thresholds.in_force.sensitivity : 0.5,
    }));
    $("rollback").addEventListener("click", () => act("POST", "/admin/thresholds/rollback"));
    if (sessionStorage.getItem(KEY)) signIn();
  });
})();
