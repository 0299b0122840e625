// MedGym's viewer: plain DOM, text only (every value from a trace is set with textContent, never as markup).
"use strict";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells, className) {
  const tr = element("tr", null, className);
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.appendChild(cell);
    else if (typeof cell === "number") { td.textContent = String(cell); td.className = "number"; }
    else td.textContent = cell === undefined || cell === null ? "" : String(cell);
    tr.appendChild(td);
  }
  return tr;
}

function link(href, text) {
  const a = element("a", text);
  a.href = href;
  return a;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) {
    const more = body.suggestions && body.suggestions.length ? " (nearest: " + body.suggestions.join(", ") + ")" : "";
    throw new Error(body.error + more);
  }
  return body;
}

function status(text, isError) {
  const node = document.getElementById("status");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

function outcomeClass(outcome) {
  if (!outcome) return "";
  if (outcome.startsWith("caught")) return "outcome-caught";
  if (outcome.startsWith("missed") || outcome === "death") return "outcome-missed";
  return "";
}

// ---- the list ----

const list = { offset: 0, limit: 50, total: 0, timer: null, ticket: 0 };

function listQuery() {
  const form = document.getElementById("filters");
  const params = new URLSearchParams();
  for (const field of form.elements) {
    if (field.name && field.value) params.set(field.name, field.value);
  }
  params.set("offset", String(list.offset));
  params.set("limit", String(list.limit));
  return params;
}

async function loadList() {
  const params = listQuery();
  history.replaceState(null, "", "/?" + params.toString());
  // Only the latest request is shown: an answer to an older one (a re-read, the filter before) is dropped.
  const ticket = ++list.ticket;
  try {
    const page = await getJSON("/api/episodes?" + params.toString());
    if (ticket !== list.ticket) return;
    list.total = page.total;
    const body = document.querySelector("#episodes tbody");
    body.replaceChildren();
    for (const r of page.rows) {
      const outcome = element("span", r.outcome || "", outcomeClass(r.outcome));
      body.appendChild(row([
        link("/episodes/" + encodeURIComponent(r.episode_id), r.episode_id), r.fixture, r.tier, r.seed, r.agent, r.label,
        r.steps, r.end_minute, outcome, r.harm_level, r.composite, r.check, r.created_at,
      ], r.check === "broken" ? "broken" : ""));
    }
    const last = Math.min(list.offset + page.rows.length, page.total);
    document.getElementById("range").textContent = page.total ? (list.offset + 1) + "–" + last + " of " + page.total : "no episodes";
    document.getElementById("previous").disabled = list.offset === 0;
    document.getElementById("next").disabled = last >= page.total;
    status("");
    performance.mark("list-rendered");
  } catch (error) {
    status(error.message, true);
  }
}

async function startList() {
  const form = document.getElementById("filters");
  const given = new URLSearchParams(location.search);
  for (const [name, value] of given) {
    const field = form.elements[name];
    if (name === "offset") list.offset = Number(value) || 0;
    else if (field && field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) {
      const option = element("option", value);
      option.value = value;
      field.appendChild(option);
      field.value = value;
    } else if (field) field.value = value;
  }
  // The rows first; the filters' choices fill in beside them.
  const first = loadList();
  try {
    const facets = await getJSON("/api/facets");
    document.getElementById("store").textContent = facets.store;
    for (const facet of facets.facets) {
      if (facet.name === "fixture") {
        const options = document.getElementById("fixture-values");
        for (const value of facet.values) options.appendChild(element("option", null)).value = value;
        continue;
      }
      const select = form.elements[facet.name];
      for (const value of facet.values) {
        if ([...select.options].some((o) => o.value === value)) continue;
        const option = element("option", value);
        option.value = value;
        select.appendChild(option);
      }
    }
  } catch (error) {
    status(error.message, true);
  }
  form.addEventListener("input", () => { performance.mark("filter-changed"); list.offset = 0; loadList(); });
  form.addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
  document.getElementById("previous").addEventListener("click", () => { list.offset = Math.max(0, list.offset - list.limit); loadList(); });
  document.getElementById("next").addEventListener("click", () => { list.offset += list.limit; loadList(); });
  // Another process may be recording into the store: the list is read again every two seconds while followed.
  list.timer = setInterval(() => { if (document.getElementById("follow").checked) loadList(); }, 2000);
  await first;
}

// ---- one episode ----

function describe(kind, p) {
  switch (kind) {
    case "episode_started": return "fixture " + p.fixture + ", seed " + p.seed;
    case "observation": {
      const o = p.observation || {};
      const v = o.vitals || {};
      return "HR " + v.hr + " · BP " + v.sbp + "/" + v.dbp + " · RR " + v.rr + " · SpO2 " + v.spo2 + "% · T " + v.temp + " · GCS " + v.gcs;
    }
    case "action_received": return (p.text || "") + " → " + (p.action || "");
    case "action_rejected": return (p.text || "") + " (rejected: " + (p.error || "") + ")";
    case "agent_error": return p.failure ? p.failure.kind + ": " + p.failure.detail : "";
    case "score": return p.score ? p.score.outcome + ", composite " + p.score.composite : "";
    default: return p.text || p.action || "";
  }
}

function regretChart(id, sweep) {
  const ns = "http://www.w3.org/2000/svg";
  const steps = sweep.steps;
  const top = Math.max(1, ...steps.map((s) => s.regret));
  const width = Math.max(300, steps.length * 22), height = 140;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "regret");
  svg.setAttribute("viewBox", "0 0 " + width + " " + (height + 20));
  svg.setAttribute("width", String(width));
  steps.forEach((s, i) => {
    const h = (s.regret / top) * height;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", String(i * 22 + 2));
    bar.setAttribute("y", String(height - h));
    bar.setAttribute("width", "18");
    bar.setAttribute("height", String(Math.max(h, 1)));
    bar.setAttribute("class", s.critical ? "bar critical" : "bar");
    const title = document.createElementNS(ns, "title");
    title.textContent = "step " + s.step + ": regret " + s.regret + (s.best ? " (best: " + s.best.text + ")" : "") + (s.critical ? ", critical" : "");
    bar.appendChild(title);
    bar.addEventListener("click", () => {
      const query = new URLSearchParams({ episode: id, step: String(s.step) });
      if (s.best) query.set("action", s.best.text);
      location.href = "/fork?" + query.toString();
    });
    svg.appendChild(bar);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", String(i * 22 + 11));
    label.setAttribute("y", String(height + 14));
    label.setAttribute("text-anchor", "middle");
    label.textContent = String(s.step);
    svg.appendChild(label);
  });
  return svg;
}

async function showPostmortem(id) {
  try {
    const p = await getJSON("/api/episodes/" + encodeURIComponent(id) + "/postmortem");
    document.getElementById("verdict").textContent = "verdict: " + p.verdict + " — " + (p.outcome_text || p.outcome);
    const dl = document.getElementById("decisive");
    const d = p.decisive;
    if (d) {
      const pairs = [["decisive step", d.step + " (minute " + d.minute + "): " + d.kind], ["the agent wrote", d.recorded_text], ["why it matters", d.why], ["instead", d.alternative]];
      for (const [k, v] of pairs) { dl.appendChild(element("dt", k)); dl.appendChild(element("dd", v)); }
    }
    const missed = document.getElementById("missed");
    for (const item of p.missed) missed.appendChild(element("li", item.description + " (" + item.points + "): " + item.detail));
  } catch (error) {
    document.getElementById("verdict").textContent = error.message;
  }
}

async function showSweep(id) {
  try {
    const sweep = await getJSON("/api/episodes/" + encodeURIComponent(id) + "/sweep");
    document.getElementById("regret").appendChild(regretChart(id, sweep));
  } catch (error) {
    document.getElementById("regret").textContent = error.message;
  }
}

async function showTraining(id) {
  try {
    const rows = await getJSON("/api/episodes/" + encodeURIComponent(id) + "/training");
    document.getElementById("training-counts").textContent =
      rows.rlvr.length + " RLVR tuples, " + rows.grpo.length + " GRPO pairs, " + rows.sft.length + " SFT corrections (as replay export corpus writes them)";
    for (const name of ["grpo", "sft", "rlvr"]) {
      const holder = document.getElementById(name);
      for (const r of rows[name]) holder.appendChild(element("pre", JSON.stringify(r, null, 2)));
    }
  } catch (error) {
    document.getElementById("training-counts").textContent = error.message;
  }
}

async function startEpisode() {
  const id = decodeURIComponent(location.pathname.split("/").pop());
  document.getElementById("title").textContent = "Episode " + id;
  let data;
  try {
    data = await getJSON("/api/episodes/" + encodeURIComponent(id));
  } catch (error) {
    status(error.message, true);
    return;
  }
  const e = data.episode;
  const summary = document.getElementById("summary");
  const facts = element("dl");
  const pairs = [["fixture", e.fixture], ["seed", e.seed], ["agent", e.agent + (e.label ? " · " + e.label : "")],
    ["outcome", e.outcome], ["harm", e.harm_level], ["composite", e.composite], ["steps", e.steps], ["check", e.check + (e.reason ? ": " + e.reason : "")]];
  for (const [k, v] of pairs) { facts.appendChild(element("dt", k)); facts.appendChild(element("dd", v)); }
  summary.appendChild(facts);
  const score = data.events.length ? data.events[data.events.length - 1].payload.score : null;
  if (score) {
    const dims = document.querySelector("#dimensions tbody");
    for (const d of score.dimensions) dims.appendChild(row([d.dimension, d.points, d.max]));
    const items = document.querySelector("#items tbody");
    for (const item of score.items) {
      const s = item.source || {};
      items.appendChild(row([item.dimension, item.description || item.key, item.points, item.detail,
        [s.guideline, s.year, s.section].filter((x) => x !== undefined && x !== null && x !== "").join(", ")]));
    }
  }
  const timeline = document.querySelector("#timeline tbody");
  for (const event of data.events) {
    const what = document.createElement("div");
    what.appendChild(element("span", describe(event.kind, event.payload)));
    if (event.kind === "action_received" || event.kind === "action_rejected") {
      if (event.payload.raw) {
        const details = element("details");
        details.appendChild(element("summary", "raw agent output"));
        details.appendChild(element("pre", event.payload.raw));
        what.appendChild(details);
      }
      const fork = link("/fork?episode=" + encodeURIComponent(id) + "&step=" + event.step, "fork here");
      fork.className = "fork-link";
      what.appendChild(document.createTextNode(" "));
      what.appendChild(fork);
    }
    timeline.appendChild(row([event.step, event.minute, event.kind, what]));
  }
  // The analyses re-execute the episode (a sweep forks every step): each fills in when it is ready.
  showPostmortem(id);
  showSweep(id);
  showTraining(id);
}

// ---- the fork panel ----

async function startFork() {
  const form = document.getElementById("fork");
  const given = new URLSearchParams(location.search);
  for (const [name, value] of given) if (form.elements[name]) form.elements[name].value = value;
  try {
    const facets = await getJSON("/api/facets");
    document.getElementById("save").disabled = !facets.allow_save;
  } catch (error) {
    status(error.message, true);
  }
  const action = form.elements.action;
  action.addEventListener("input", async () => {
    const text = action.value;
    try {
      const found = await getJSON("/api/actions?q=" + encodeURIComponent(text));
      if (action.value !== text) return;
      document.getElementById("resolved").textContent = found.action ? "→ " + found.action + " (" + found.name + ")" : "";
      const options = document.getElementById("action-values");
      options.replaceChildren();
      for (const s of found.suggestions) options.appendChild(element("option", null)).value = s;
    } catch (error) {
      status(error.message, true);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status("forking…");
    const request = {
      episode: form.elements.episode.value, step: Number(form.elements.step.value), action: action.value,
      continuation: form.elements.continuation.value || null, save: form.elements.save.checked,
    };
    try {
      const fork = await getJSON("/api/fork", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
      showFork(fork);
      status("continuation " + fork.continuation + (fork.saved_as ? "; saved as " + fork.saved_as : ""));
    } catch (error) {
      status(error.message, true);
    }
  });
}

function showFork(fork) {
  document.getElementById("arms").hidden = false;
  const arms = [["actual", fork.actual, fork.recorded_text], ["counterfactual", fork.counterfactual, fork.alternate_text]];
  for (const [id, arm, text] of arms) {
    const dl = document.querySelector("#" + id + " dl");
    dl.replaceChildren();
    const pairs = [["action at step " + fork.step, text], ["outcome", arm.outcome], ["harm", arm.harm_level], ["composite", arm.composite], ["fate", arm.fate]];
    for (const [k, v] of pairs) {
      dl.appendChild(element("dt", k));
      dl.appendChild(element("dd", v, k === "outcome" ? outcomeClass(v) + " outcome" : ""));
    }
  }
  const deltas = document.querySelector("#deltas tbody");
  deltas.replaceChildren();
  for (const d of fork.dimensions) deltas.appendChild(row([d.dimension, d.actual, d.counterfactual, d.delta]));
  deltas.appendChild(row(["composite", fork.actual.composite, fork.counterfactual.composite, fork.delta_composite]));
  const pair = document.getElementById("pair");
  pair.replaceChildren();
  const p = fork.preference_pair;
  if (p) {
    for (const [k, v] of [["chosen", p.chosen + " (" + p.chosen_reward + ")"], ["rejected", p.rejected + " (" + p.rejected_reward + ")"]]) {
      pair.appendChild(element("dt", k));
      pair.appendChild(element("dd", v));
    }
  }
}


// ---- the live page ----

const vitals = [["hr", "HR"], ["sbp", "SBP"], ["dbp", "DBP"], ["rr", "RR"], ["spo2", "SpO2"], ["temp", "T"], ["gcs", "GCS"]];
const live = { history: {}, seenResults: 0, stream: null };

function sparkline(values) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "trend");
  svg.setAttribute("viewBox", "0 0 120 24");
  const line = document.createElementNS(ns, "polyline");
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || 1;
  const points = values.map((v, i) => (values.length === 1 ? 60 : (i * 120) / (values.length - 1)).toFixed(1) + "," + (22 - ((v - lo) / span) * 20).toFixed(1));
  line.setAttribute("points", points.join(" "));
  svg.appendChild(line);
  return svg;
}

function showObservation(o) {
  document.getElementById("clock").textContent = "minute " + o.minute + ", after step " + o.step + (o.end_reason ? " — " + o.end_reason : "");
  const body = document.querySelector("#monitor tbody");
  body.replaceChildren();
  for (const [key, name] of vitals) {
    const value = o.vitals ? o.vitals[key] : undefined;
    if (value === undefined) continue;
    (live.history[key] = live.history[key] || []).push(value);
    body.appendChild(row([name, value, sparkline(live.history[key])]));
  }
  const alerts = document.getElementById("alerts");
  for (const alert of o.alerts || []) alerts.appendChild(element("li", "minute " + o.minute + ": " + alert));
  for (const warning of o.warnings || []) alerts.appendChild(element("li", "minute " + o.minute + ": " + warning));
  const pending = document.getElementById("pending");
  pending.replaceChildren();
  for (const name of o.pending || []) pending.appendChild(element("li", name));
  const results = document.getElementById("results");
  for (const r of o.results || []) results.appendChild(element("li", r.name + " (minute " + r.arrived_at + "): " + r.text));
  const rows = document.querySelectorAll("#trajectory tbody tr");
  if (o.response && rows.length) rows[rows.length - 1].lastChild.textContent = o.response;
}

function showAction(a) {
  const minute = document.getElementById("clock").textContent.match(/minute (\d+)/);
  const what = document.createElement("div");
  what.appendChild(element("span", a.text === null || a.text === undefined ? "(stops)" : a.text));
  if (a.raw) {
    const details = element("details");
    details.appendChild(element("summary", "raw output"));
    details.appendChild(element("pre", a.raw));
    what.appendChild(details);
  }
  const answer = a.rejected ? "not taken: " + a.rejected : "";
  document.querySelector("#trajectory tbody").appendChild(row([a.step, minute ? Number(minute[1]) : "", what, a.action ? a.action + (a.kind ? " (" + a.kind + ")" : "") : "—", answer]));
  if (a.kind === "medication") document.getElementById("medications").appendChild(element("li", "step " + a.step + ": " + a.name));
  if (a.kind === "disposition") document.getElementById("disposition").textContent = a.name + " (asked at step " + a.step + ")";
}

function showEnd(e) {
  document.getElementById("score").hidden = false;
  const headline = document.getElementById("headline");
  headline.replaceChildren();
  headline.appendChild(element("span", e.score.outcome, outcomeClass(e.score.outcome) + " outcome"));
  headline.appendChild(document.createTextNode(" · harm " + e.score.harm_level + " · composite " + e.score.composite + " · "));
  headline.appendChild(link("/episodes/" + encodeURIComponent(e.episode_id), e.episode_id));
  const body = document.querySelector("#score-dimensions tbody");
  body.replaceChildren();
  for (const d of e.score.dimensions) body.appendChild(row([d.dimension, d.points, d.max]));
  status(e.already_stored ? "this run was already stored as " + e.episode_id : "recorded as " + e.episode_id);
}

function follow(streamURL) {
  if (live.stream) live.stream.close();
  live.history = {};
  for (const id of ["alerts", "pending", "results", "medications"]) document.getElementById(id).replaceChildren();
  document.querySelector("#trajectory tbody").replaceChildren();
  document.getElementById("disposition").textContent = "none yet";
  document.getElementById("score").hidden = true;
  const source = new EventSource(streamURL);
  live.stream = source;
  source.onmessage = (message) => {
    const line = JSON.parse(message.data);
    if (line.type === "observation") showObservation(line.observation);
    else if (line.type === "action") showAction(line);
    else if (line.type === "failure") showAction({ step: line.step, text: "(no answer: " + line.kind + ", " + line.detail + ")" });
    else if (line.type === "end") { showEnd(line); source.close(); showRuns(); }
    else if (line.type === "error") { status(line.message, true); source.close(); showRuns(); }
  };
}

// The runs of the store's live tables, whichever process records them; refreshed every two seconds.
async function showRuns() {
  try {
    const runs = await getJSON("/api/live");
    const body = document.querySelector("#runs tbody");
    body.replaceChildren();
    for (const r of runs) {
      const watch = r.state === "running" ? link("/live?run=" + encodeURIComponent(r.run), "watch") : r.episode_id ? link("/episodes/" + encodeURIComponent(r.episode_id), r.episode_id) : element("span", r.error || "");
      const state = element("span", r.state, r.state === "running" ? "running" : r.state === "stored" ? "" : "outcome-missed");
      if (r.error) state.title = r.error;
      body.appendChild(row([r.run, r.source, r.fixture, r.agent, r.seed, r.step, r.minute, state, r.started_at, watch], r.state === "running" ? "running" : ""));
    }
  } catch (error) {
    status(error.message, true);
  }
}

async function startLive() {
  showRuns();
  setInterval(showRuns, 2000);
  const form = document.getElementById("live");
  try {
    const facets = await getJSON("/api/facets");
    const names = document.getElementById("fixture-names");
    for (const name of facets.fixtures) names.appendChild(element("option", null)).value = name;
    document.getElementById("start").disabled = !facets.allow_run;
    if (!facets.allow_run) status("starting episodes is off: start the viewer with --allow-run");
  } catch (error) {
    status(error.message, true);
  }
  const run = new URLSearchParams(location.search).get("run");
  if (run) follow("/api/live/" + encodeURIComponent(run) + "/stream");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const request = {
      fixture: form.elements.fixture.value, agent: form.elements.agent.value,
      seed: form.elements.seed.value === "" ? null : Number(form.elements.seed.value),
      pace_ms: Number(form.elements.pace_ms.value),
    };
    // An openai:MODEL agent's endpoint; the key stays in the viewer's environment, named here.
    if (form.elements.base_url.value) request.base_url = form.elements.base_url.value;
    if (form.elements.api_key_env.value) request.api_key_env = form.elements.api_key_env.value;
    try {
      const started = await getJSON("/api/live", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
      history.replaceState(null, "", "/live?run=" + encodeURIComponent(started.run));
      status("running " + started.run + "…");
      follow(started.stream);
    } catch (error) {
      status(error.message, true);
    }
  });
}

// ---- the diff ----

async function startDiff() {
  const form = document.getElementById("diff");
  try {
    const facets = await getJSON("/api/facets");
    const versions = document.getElementById("versions");
    for (const facet of facets.facets) {
      if (facet.name !== "label" && facet.name !== "agent") continue;
      for (const value of facet.values) versions.appendChild(element("option", null)).value = value;
    }
  } catch (error) {
    status(error.message, true);
  }
  const given = new URLSearchParams(location.search);
  for (const [name, value] of given) if (form.elements[name]) form.elements[name].value = value;
  form.addEventListener("submit", (event) => { event.preventDefault(); loadDiff(form); });
  if (given.get("baseline") && given.get("candidate")) loadDiff(form);
}

async function loadDiff(form) {
  const params = new URLSearchParams();
  for (const name of ["baseline", "candidate", "fixtures"]) if (form.elements[name].value) params.set(name, form.elements[name].value);
  history.replaceState(null, "", "/diff?" + params.toString());
  status("comparing… (every regression is forked to find where it starts)");
  let d;
  try {
    d = await getJSON("/api/diff?" + params.toString());
  } catch (error) {
    status(error.message, true);
    return;
  }
  status(d.pairs + " pairs; " + d.regressions.length + " regressions, " + d.improvements.length + " improvements, " + d.unchanged + " unchanged");
  document.getElementById("result").hidden = false;
  document.getElementById("verdict").textContent = d.verdict + " — composite change " + d.composite.mean + " (95 % interval " + d.composite.interval.join(" to ") + ")";
  const dims = document.querySelector("#diff-dimensions tbody");
  dims.replaceChildren();
  for (const x of d.dimensions) dims.appendChild(row([x.dimension, x.change.mean, x.change.interval.join(" to ")]));
  const body = document.querySelector("#regressions tbody");
  body.replaceChildren();
  for (const r of d.regressions) {
    const tr = row([r.fixture, r.seed,
      link("/episodes/" + encodeURIComponent(r.baseline_episode), r.baseline_outcome + " (" + r.baseline_harm + ")"),
      link("/episodes/" + encodeURIComponent(r.candidate_episode), r.candidate_outcome + " (" + r.candidate_harm + ")"),
      r.delta,
      r.divergence ? "step " + r.divergence.step + ": " + r.divergence.baseline_action + " → " + r.divergence.candidate_action : "",
      r.decisive ? "step " + r.decisive.step + " (" + r.decisive.kind + ")" : ""]);
    tr.className = "regression";
    tr.dataset.episode = r.candidate_episode;
    tr.addEventListener("click", (event) => {
      if (event.target.tagName !== "A") location.href = "/episodes/" + encodeURIComponent(r.candidate_episode);
    });
    body.appendChild(tr);
  }
}

// ---- the leaderboard ----

async function startLeaderboard() {
  const form = document.getElementById("board");
  const given = new URLSearchParams(location.search);
  for (const [name, value] of given) if (form.elements[name]) form.elements[name].value = value;
  form.addEventListener("submit", (event) => { event.preventDefault(); loadBoard(form); });
  loadBoard(form);
}

function boardTable(title, rows, fixture) {
  const section = element("section");
  section.appendChild(element("h2", title));
  const table = element("table");
  const head = element("tr");
  for (const h of ["rank", "agent", "episodes", "mean composite", "95 % interval", "caught", "death", "harm ≥ high"]) head.appendChild(element("th", h));
  table.appendChild(element("thead")).appendChild(head);
  const body = table.appendChild(element("tbody"));
  for (const r of rows) {
    const filter = new URLSearchParams({ agent: r.agent });
    if (r.label) filter.set("label", r.label);
    if (fixture) filter.set("fixture", fixture);
    body.appendChild(row([r.rank, link("/?" + filter.toString(), r.name), r.episodes, r.mean_composite, r.interval.join(" to "),
      r.caught_rate, r.death_rate, r.severe_harm_rate]));
  }
  section.appendChild(table);
  return section;
}

async function loadBoard(form) {
  const params = new URLSearchParams();
  for (const name of ["fixtures", "by"]) if (form.elements[name].value) params.set(name, form.elements[name].value);
  history.replaceState(null, "", "/leaderboard?" + params.toString());
  status("ranking…");
  try {
    const board = await getJSON("/api/leaderboard?" + params.toString());
    const boards = document.getElementById("boards");
    boards.replaceChildren();
    if (board.rows.length) boards.appendChild(boardTable("Overall (" + board.overall_fixtures.length + " fixtures)", board.rows, null));
    for (const f of board.per_fixture) boards.appendChild(boardTable(f.fixture, f.rows, board.grouping === "fixture" ? f.fixture : null));
    status(board.fixtures.length + " fixtures");
  } catch (error) {
    status(error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "list") startList();
  else if (page === "episode") startEpisode();
  else if (page === "fork") startFork();
  else if (page === "live") startLive();
  else if (page === "diff") startDiff();
  else if (page === "leaderboard") startLeaderboard();
});
