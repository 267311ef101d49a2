"use strict";
// culprit serve's page: the job list at "/" and one job at "/jobs/N".
//
// The server folds a job's events into one document (GET /api/jobs/N, serve/job_view.h); this
// script only draws that document. A running job's page listens to the job's event stream
// (GET /api/jobs/N/events) and, on each event, fetches the document again and redraws what
// changed; log lines are appended straight from their events. There is no second fold here.
//
// Everything a job shows comes from others (commit subjects, authors, crash titles, consoles,
// log lines, reasons), so it reaches the page only as text: element.textContent, text nodes and
// attribute values, never markup. The service's Content-Security-Policy forbids inline scripts
// and style attributes; sizes are set through element.style, which it allows.

// The page-update latency, read by the browser test: seconds from an event's "time" (when the
// bisection wrote it) to the redraw that showed it, one number per redraw events caused (for the
// newest event it included), and the same for each log line appended.
window.culpritLatency = [];
window.culpritLogLatency = [];

const SVG_NS = "http://www.w3.org/2000/svg";
const ACTIVE_STATES = new Set(["queued", "running"]);
const EVENT_TYPES = ["job_started", "phase_started", "commit_chosen", "batch_started",
  "build_finished", "run_finished", "verdict_reached", "posterior_updated", "log",
  "job_finished"];

// Why each result flag makes a culprit doubtful (the flags of job/result.cc, job/verify.cc,
// job/revert_check.cc and vcs/diff_classify.h).
const FLAG_REASONS = {
  "merge": "The culprit is a merge commit: the bug may come from how two branches combine, " +
    "or the search was led astray.",
  "release": "The culprit carries a release tag; such commits rarely change code, so the " +
    "search was probably led astray.",
  "noop": "The culprit builds to the same signature as its parent: it cannot have changed " +
    "what crashed.",
  "low-confidence": "The search stopped before its leading candidate reached the confidence " +
    "asked for.",
  "docs-only": "The culprit changes only documentation.",
  "comments-only": "The culprit changes only comments and blank space in C and C++ files.",
  "other-arch-only": "The culprit changes only another architecture's code.",
  "tools-only": "The culprit changes only tools/, which is not built into the tested program.",
  "unrelated-crashes": "Commits judged good crashed too: another bug is around, or the " +
    "reproducer crashes in more ways than one.",
  "verify-failed": "More runs of the culprit and its parents did not confirm that the bug " +
    "appears exactly at the culprit.",
  "revert-still-crashes": "The start commit with the culprit reverted still crashes with the " +
    "bug's title.",
  "revert-not-applied": "The culprit's revert does not apply on the start commit, so it " +
    "could not be tested.",
  "revert-no-crash": "With the fix reverted, the fixed commit still does not crash: the " +
    "commit may hide the crash rather than fix it.",
};

// --- DOM helpers: the only way this script makes elements ------------------------------------

// el("a", {class: "x", href: "/", text: "home"}, child, ...): children are nodes or strings
// (strings become text nodes); null, false and "" are skipped (a cell left empty is :empty).
function el(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// --- formatting -------------------------------------------------------------------------------

function shortHash(hash) {
  return hash ? hash.slice(0, 12) : "";
}

function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString([], {dateStyle: "short", timeStyle: "short"});
}

function formatProbability(p) {
  if (p === undefined || p === null) return "";
  if (p > 0 && p < 0.001) return "<0.001";
  return p.toFixed(3);
}

// The job's running time: the server's figure, kept ticking here while it runs.
function jobDuration(job) {
  if (job.state === "running" && job.started) {
    return Math.max(0, (Date.now() - Date.parse(job.started)) / 1000);
  }
  return job.started ? job.duration_s : null;
}

function stateBadge(state) {
  return el("span", {class: `badge state-${state}`, text: state});
}

function flagChips(flags) {
  return (flags || []).map((flag) =>
    el("span", {class: "chip flag", title: FLAG_REASONS[flag] || "", text: flag}));
}

// --- talking to the service --------------------------------------------------------------------

async function api(path, options) {
  const response = await fetch(path, {credentials: "same-origin", ...options});
  if (response.status === 401) {
    location.assign("/login");
    throw new Error("signed out");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

// A change: the login cookie goes with it, and the header tells the service that the page's own
// script sent it (a form on another site cannot).
function post(path, body) {
  return api(path, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Culprit-Request": "1"},
    body: JSON.stringify(body || {}),
  });
}

// --- the job list ------------------------------------------------------------------------------

function showList(app) {
  document.title = "culprit: jobs";
  const body = el("tbody");
  const note = el("p", {class: "muted"});
  app.replaceChildren(
    el("h1", {text: "Bisection jobs"}),
    el("div", {class: "table-wrap"},
      el("table", {class: "jobs"},
        el("thead", {}, el("tr", {},
          ["#", "Crash", "Repository", "State", "Culprit", "Confidence", "Flags", "Started",
            "Duration"].map((name) => el("th", {text: name})))),
        body)),
    note);
  const refresh = async () => {
    try {
      const {jobs} = await api("/api/jobs");
      body.replaceChildren(...jobs.map(jobRow));
      note.textContent = jobs.length ? "" :
        "No jobs yet. Submit one with: culprit submit --server " + location.origin + " JOB.toml";
      // Poll while something moves; a finished list changes only when someone submits.
      setTimeout(refresh, jobs.some((job) => ACTIVE_STATES.has(job.state)) ? 2000 : 10000);
    } catch (error) {
      note.textContent = `Cannot read the jobs: ${error.message}`;
      setTimeout(refresh, 5000);
    }
  };
  refresh();
}

// A table cell labelled for the phone layout (style.css shows the label before the value).
function cell(label, ...content) {
  return el("td", {"data-label": label}, el("div", {class: "cell"}, ...content));
}

function jobRow(job) {
  const link = `/jobs/${Number(job.id)}`;
  const state = [stateBadge(job.state)];
  if (job.invalid) {
    state.push(el("span", {class: "badge invalid", text: "invalid"}),
      el("span", {class: "note reason", title: job.invalid.reason, text: job.invalid.reason}));
  }
  if (job.retry_of) state.push(el("span", {class: "note", text: `retry of #${job.retry_of}`}));
  if (job.retries && job.retries.length) {
    state.push(el("span", {class: "note",
      text: `retried as ${job.retries.map((id) => `#${id}`).join(", ")}`}));
  }
  const status = job.status || {};
  let culprit = "";
  if (job.culprit) {
    culprit = [el("code", {text: shortHash(job.culprit)}), " ",
      el("span", {text: job.culprit_subject})];
  } else if (job.result) {
    culprit = el("span", {class: "muted", text: job.result});
  } else if (job.state === "running" && status.phase) {
    culprit = el("span", {class: "muted", text: status.candidates_left ?
      `${status.phase}: ${status.candidates_left} candidates left` : `${status.phase}…`});
  }
  const title = job.title || (job.state === "error" ? job.error : "") ||
    (status.phase ? `(${status.phase}…)` : "(not started)");
  return el("tr", {class: job.invalid ? "invalid" : ""},
    cell("#", el("a", {href: link, text: `#${job.id}`})),
    cell("Crash", el("a", {href: link, class: "title", text: title})),
    cell("Repository", el("span", {class: "path", text: job.repo})),
    cell("State", state),
    cell("Culprit", culprit),
    cell("Confidence", formatProbability(job.confidence)),
    cell("Flags", flagChips(job.flags)),
    cell("Started", formatTime(job.started)),
    cell("Duration", formatSeconds(jobDuration(job))));
}

// --- one job -----------------------------------------------------------------------------------

// The job page's parts, each redrawn only when its own data changed (so an open form or a
// selection elsewhere survives the redraws a running job causes).
const SECTIONS = ["head", "actions", "status", "chart", "top", "result", "tested", "console",
  "log", "jobfile"];

function showJob(app, id) {
  const page = {id, job: null, parts: {}, drawn: {}, console: null, fetching: false,
    again: false, source: null, eventsShown: 0};
  for (const name of SECTIONS) {
    page.parts[name] = el("section", {class: name === "head" ? "head" : `${name} card`, id: name});
  }
  page.parts.console.hidden = true;
  page.parts.result.hidden = true;
  page.logPre = el("pre", {class: "log-lines", id: "log-lines"});
  page.parts.log.append(el("h2", {text: "Log"}), page.logPre);
  page.notice = el("p", {class: "error", role: "alert"});
  const p = page.parts;
  app.replaceChildren(p.head, page.notice, p.actions,
    el("div", {class: "grid"}, p.status, p.chart, p.top), p.result, p.tested, p.console, p.log,
    p.jobfile);
  load(page);
  setInterval(() => tick(page), 1000);
}

// First load: the whole document with its log, then the event stream from the next event on.
async function load(page) {
  try {
    const job = await api(`/api/jobs/${page.id}`);
    page.logPre.replaceChildren();
    appendLog(page, job.view.log || []);
    draw(page, job, false);
    if (ACTIVE_STATES.has(job.state)) listen(page, job.view.events || 0);
  } catch (error) {
    page.parts.head.replaceChildren(el("h1", {text: `Job ${page.id}`}),
      el("p", {class: "error", text: error.message}));
  }
}

function listen(page, after) {
  // The stream resumes by itself after a dropped connection (EventSource sends Last-Event-ID).
  const source = new EventSource(`/api/jobs/${page.id}/events?after=${after}`);
  page.source = source;
  const onEvent = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (event.type === "log") {
      appendLog(page, [event.text || ""]);
      recordLatency(window.culpritLogLatency, event.time);
      return;
    }
    // A (resumed) job starts its story again, and the server's view starts over with it.
    if (event.type === "job_started") page.logPre.replaceChildren();
    refresh(page);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
  source.addEventListener("message", onEvent);
  source.addEventListener("end", () => {
    source.close();
    page.source = null;
    refresh(page);
  });
}

// Fetches the document again and redraws: one fetch at a time, and at most one more queued
// behind it, however many events arrive meanwhile.
async function refresh(page) {
  if (page.fetching) {
    page.again = true;
    return;
  }
  page.fetching = true;
  try {
    const job = await api(`/api/jobs/${page.id}?log=0`);
    draw(page, job, true);
    page.notice.textContent = "";
  } catch (error) {
    page.notice.textContent = `Cannot update the page: ${error.message}`;
  } finally {
    page.fetching = false;
    if (page.again) {
      page.again = false;
      refresh(page);
    }
  }
}

function recordLatency(list, eventTime) {
  if (!eventTime) return;
  list.push((performance.timeOrigin + performance.now()) / 1000 - eventTime);
}

function draw(page, job, fromEvent) {
  page.job = job;
  const view = job.view || {};
  document.title = `culprit: job ${job.id}` + (job.title ? `: ${job.title}` : "");
  section(page, "head", [job.id, job.title, job.state, job.repo, job.mode, job.strategy,
    job.started, job.finished, job.invalid, job.retry_of, job.retries, job.error, view.resumes],
  () => headParts(job));
  section(page, "actions", [job.state, Boolean(job.invalid)], () => actionParts(page, job));
  section(page, "status", [job.state, view.status], () => statusParts(job, view.status || {}));
  section(page, "chart", view.progress, () => chartParts(view.progress || []));
  section(page, "top", view.top, () => topParts(view.top || []));
  section(page, "result", [view.result, job.state, job.error, job.invalid],
    () => resultParts(job, view.result));
  page.parts.result.hidden = !view.result && job.state !== "error";
  section(page, "tested", [view.tested, page.console && page.console.key],
    () => testedParts(page, view.tested || []));
  section(page, "jobfile", job.job_file, () => [
    el("details", {}, el("summary", {text: "Job file"}), el("pre", {text: job.job_file || ""})),
  ]);
  tick(page);
  // Only a redraw that shows events the page had not shown yet measures anything.
  if (fromEvent && (view.events || 0) > page.eventsShown) {
    recordLatency(window.culpritLatency, view.last_event_time);
  }
  page.eventsShown = view.events || 0;
}

// Redraws part `name` from `build()` when `key` differs from what it was drawn from.
function section(page, name, key, buildParts) {
  const text = JSON.stringify(key === undefined ? null : key);
  if (page.drawn[name] === text) return;
  page.drawn[name] = text;
  page.parts[name].replaceChildren(...[buildParts()].flat().filter((part) => part));
}

// Once a second: the running time of a running job.
function tick(page) {
  const node = document.getElementById("duration");
  if (node && page.job) node.textContent = formatSeconds(jobDuration(page.job));
}

function headParts(job) {
  const facts = [
    ["state", stateBadge(job.state)],
    ["repository", el("span", {class: "path", text: job.repo})],
    ["mode", `${job.mode || "?"} (${job.strategy || "?"})`],
    ["started", formatTime(job.started) || "not yet"],
    ["running time", el("span", {id: "duration"})],
  ];
  if (job.retry_of) {
    facts.push(["retry of", el("a", {href: `/jobs/${Number(job.retry_of)}`,
      text: `#${job.retry_of}`})]);
  }
  // The service was restarted while the job ran: it went on from its recorded builds and runs.
  if ((job.view || {}).resumes > 0) {
    facts.push(["resumed", el("span", {id: "resumed",
      text: `${job.view.resumes}× after a restart, from its recorded runs`})]);
  }
  if (job.retries && job.retries.length) {
    facts.push(["retried as", job.retries.map((id, i) =>
      [i ? ", " : "", el("a", {href: `/jobs/${Number(id)}`, text: `#${id}`})])]);
  }
  const parts = [
    el("h1", {}, el("span", {class: "muted", text: `Job ${job.id}: `}),
      el("span", {id: "job-title", text: job.title || "(no crash seen yet)"})),
    el("dl", {class: "facts inline"}, facts.map(([name, value]) =>
      el("div", {}, el("dt", {text: name}), el("dd", {}, value)))),
  ];
  if (job.invalid) {
    parts.push(el("p", {class: "banner invalid"}, el("strong", {text: "Marked invalid: "}),
      el("span", {id: "invalid-reason", text: job.invalid.reason}),
      el("span", {class: "muted", text: ` (${formatTime(job.invalid.at)})`})));
  }
  return parts;
}

// --- acting on a job ---------------------------------------------------------------------------

function actionParts(page, job) {
  const message = el("p", {class: "action-message", role: "status"});
  const fail = (error) => {
    message.className = "action-message error";
    message.textContent = error.message;
  };
  const parts = [];
  if (ACTIVE_STATES.has(job.state)) {
    parts.push(el("button", {type: "button", class: "danger", id: "cancel", text: "Cancel job",
      onclick: async (click) => {
        click.target.disabled = true;
        try {
          await post(`/api/jobs/${job.id}/cancel`);
          message.textContent = job.state === "running" ?
            "Cancelling: the job stops after the runs in flight." : "Cancelled.";
          refresh(page);
        } catch (error) {
          click.target.disabled = false;
          fail(error);
        }
      }}));
  } else {
    parts.push(retryForm(job, fail), invalidForm(page, job, message, fail));
  }
  parts.push(message);
  return [el("h2", {class: "visually-hidden", text: "Actions"}), el("div", {class: "actions-row"},
    parts)];
}

function retryForm(job, fail) {
  const runs = el("input", {type: "number", name: "runs", min: 1, max: 1000, step: 1,
    placeholder: "same", inputmode: "numeric"});
  const confidence = el("input", {type: "number", name: "confidence", min: 0.5, max: 0.9999,
    step: "any", placeholder: "same", inputmode: "decimal"});
  const form = el("form", {class: "inline-form", id: "retry-form"},
    el("label", {}, "runs ", runs), el("label", {}, "confidence ", confidence),
    el("button", {type: "submit", text: "Retry"}));
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const asked = {};
    if (runs.value) asked.runs = Number(runs.value);
    if (confidence.value) asked.confidence = Number(confidence.value);
    try {
      const made = await post(`/api/jobs/${job.id}/retry`, asked);
      location.assign(`/jobs/${Number(made.id)}`);
    } catch (error) {
      fail(error);
    }
  });
  return el("fieldset", {}, el("legend", {text: "Retry, reusing the runs so far"}), form);
}

function invalidForm(page, job, message, fail) {
  const reason = el("input", {type: "text", name: "reason", required: true, maxlength: 2000,
    placeholder: "why the result is wrong"});
  const form = el("form", {class: "inline-form", id: "invalid-form"}, reason,
    el("button", {type: "submit", text: job.invalid ? "Update reason" : "Mark invalid"}));
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    try {
      await post(`/api/jobs/${job.id}/invalid`, {reason: reason.value});
      message.className = "action-message";
      message.textContent = "Marked invalid.";
      refresh(page);
    } catch (error) {
      fail(error);
    }
  });
  return el("fieldset", {}, el("legend", {text: "Mark the result invalid"}), form);
}

// --- where the job is --------------------------------------------------------------------------

function statusParts(job, status) {
  const left = status.candidates_left;
  const step = status.step ? `${status.step}${status.steps_total ? ` of ~${status.steps_total}` :
    ""}` : "–";
  const runs = el("progress", {max: status.runs_total || 1, value: status.runs_done || 0});
  const confidence = el("progress", {max: 1, value: status.confidence || 0, class: "confidence"});
  return [
    el("h2", {text: "Now"}),
    el("div", {class: "figures"},
      figure("candidates left", el("span", {id: "candidates-left", text: left ? left : "–"})),
      figure("step", step),
      figure("phase", el("span", {id: "phase", text: status.phase || job.state}))),
    status.commit ? el("p", {class: "current"}, el("code", {text: shortHash(status.commit)}), " ",
      el("span", {text: status.subject || ""})) : null,
    el("div", {class: "meter"}, el("span", {text: "runs"}), runs,
      el("span", {text: `${status.runs_done || 0}/${status.runs_total || 0}`})),
    el("div", {class: "meter"}, el("span", {text: "confidence"}), confidence,
      el("span", {text: formatProbability(status.confidence || 0)})),
  ];
}

function figure(label, value) {
  return el("div", {class: "figure"}, el("div", {class: "value"}, value),
    el("div", {class: "label", text: label}));
}

// Candidates left per step (log scale: each halving is one grid line) and the confidence after
// each step, as an SVG drawn here.
function chartParts(progress) {
  const title = el("h2", {text: "Range"});
  if (!progress.length) {
    return [title, el("p", {class: "muted", text: "The range search has not started yet."})];
  }
  const width = 360, height = 170;
  const pad = {left: 34, right: 34, top: 12, bottom: 26};
  const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
  const most = Math.max(2, ...progress.map((point) => point.candidates_left || 1));
  const top = Math.ceil(Math.log2(most));
  const x = (i) => pad.left + (progress.length === 1 ? plotW / 2 : i * plotW /
    (progress.length - 1));
  const y = (count) => pad.top + (1 - Math.log2(Math.max(1, count)) / top) * plotH;
  const yConfidence = (c) => pad.top + (1 - c) * plotH;
  const grid = [];
  const every = Math.max(1, Math.ceil(top / 5));
  for (let power = 0; power <= top; power += every) {
    grid.push(svg("line", {class: "grid", x1: pad.left, x2: width - pad.right, y1: y(2 ** power),
      y2: y(2 ** power)}));
    grid.push(svg("text", {class: "axis", x: pad.left - 4, y: y(2 ** power) + 3,
      "text-anchor": "end", text: 2 ** power}));
  }
  for (const c of [0, 0.5, 1]) {
    grid.push(svg("text", {class: "axis confidence-axis", x: width - pad.right + 4,
      y: yConfidence(c) + 3, text: c}));
  }
  const candidates = progress.map((point, i) => `${x(i)},${y(point.candidates_left || 1)}`);
  const confidence = progress.map((point, i) =>
    `${x(i)},${yConfidence(point.confidence_after ?? point.confidence ?? 0)}`);
  const dots = progress.map((point, i) => svg("circle", {class: "dot", cx: x(i),
    cy: y(point.candidates_left || 1), r: 3.5},
  svg("title", {text: `step ${point.step}: ${point.candidates_left} candidates left`})));
  const labels = progress.length > 12 ? [] : progress.map((point, i) => svg("text", {
    class: "point-label", x: x(i), y: y(point.candidates_left || 1) - 7, "text-anchor": "middle",
    text: point.candidates_left}));
  return [title, svg("svg", {class: "range-chart", viewBox: `0 0 ${width} ${height}`,
    role: "img", "aria-label": "candidates left per step"},
  grid,
  svg("polyline", {class: "confidence-line", points: confidence.join(" ")}),
  svg("polyline", {class: "candidates-line", points: candidates.join(" ")}),
  dots, labels,
  svg("text", {class: "axis", x: pad.left + plotW / 2, y: height - 6, "text-anchor": "middle",
    text: `step (1–${progress.length})`})),
  el("p", {class: "legend"}, el("span", {class: "key candidates", text: "candidates left"}),
    el("span", {class: "key confidence", text: "confidence"}))];
}

// The posterior's leaders as bars.
function topParts(top) {
  const title = el("h2", {text: "Likeliest culprits"});
  if (!top.length) return [title, el("p", {class: "muted", text: "No posterior yet."})];
  const rows = top.slice(0, 8).map((entry) => {
    const bar = el("span", {class: "bar"});
    bar.style.width = `${Math.max(0.5, (entry.probability || 0) * 100)}%`;
    const name = entry.commit ?
      [el("code", {text: shortHash(entry.commit)}), " ", el("span", {text: entry.subject || ""})] :
      el("em", {text: "older than the range"});
    return el("li", {title: entry.commit || "older than the range"},
      el("div", {class: "bar-label"}, name),
      el("div", {class: "bar-track"}, bar),
      el("span", {class: "bar-value", text: formatProbability(entry.probability)}));
  });
  return [title, el("ol", {class: "bars"}, rows)];
}

// --- the result --------------------------------------------------------------------------------

function resultParts(job, result) {
  if (!result) {
    return job.state === "error" ?
      [el("h2", {text: "Error"}), el("p", {class: "error", text: job.error || "the job failed"})] :
      [];
  }
  const parts = [el("h2", {text: resultHeadline(job, result)})];
  if (result.culprit) parts.push(culpritParts(result));
  if (result.result === "inconclusive" && result.candidates) {
    parts.push(el("p", {text: `The first ${job.mode === "fix" ? "good" : "bad"} commit could ` +
      "be any of:"}),
    el("ul", {class: "candidates"}, result.candidates.map((commit) =>
      el("li", {}, el("code", {text: commit})))));
  }
  if (result.error) parts.push(el("p", {class: "error", text: result.error}));
  if (result.flags && result.flags.length) {
    parts.push(el("div", {class: "banner unreliable"},
      el("strong", {text: "The result is unreliable:"}),
      el("ul", {class: "flags"}, result.flags.map((flag) => el("li", {},
        el("span", {class: "chip flag", text: flag}), " ",
        el("span", {text: FLAG_REASONS[flag] || "See the log for why."}))))));
  }
  if (result.verification) parts.push(verificationParts(result.verification, job.mode));
  parts.push(totalsParts(result));
  return parts;
}

function resultHeadline(job, result) {
  const fix = job.mode === "fix";
  switch (result.result) {
    case "found": return fix ? "Fix found" : "Culprit found";
    case "inconclusive": return "Bisection is inconclusive";
    case "horizon": return fix ? "The crash is not fixed at the end tested" :
      "The oldest release tested already crashes";
    case "cancelled": return "Cancelled (retry to resume it)";
    case "error": return "The bisection failed";
    default: return result.result || "Finished";
  }
}

function culpritParts(result) {
  const commit = result.culprit_commit || {};
  const when = commit.date ? new Date(commit.date * 1000).toLocaleString() : "";
  const recipients = result.recipients || {};
  const list = (addresses) => (addresses && addresses.length ? addresses.join(", ") : "none");
  return el("div", {class: "culprit"},
    el("p", {class: "culprit-line"},
      el("code", {class: "culprit-hash", id: "culprit-hash", text: result.culprit}),
      el("span", {class: "culprit-subject", id: "culprit-subject", text: commit.subject || ""})),
    el("dl", {class: "facts"},
      el("dt", {text: "author"}),
      el("dd", {id: "culprit-author",
        text: commit.author ? `${commit.author} <${commit.email || ""}>` : "unknown"}),
      when ? [el("dt", {text: "date"}), el("dd", {text: when})] : null,
      result.confidence !== undefined ?
        [el("dt", {text: "confidence"}), el("dd", {text: formatProbability(result.confidence)})] :
        null,
      el("dt", {text: "to"}), el("dd", {class: "recipients", text: list(recipients.to)}),
      el("dt", {text: "cc"}), el("dd", {class: "recipients", text: list(recipients.cc)})));
}

function verificationParts(verification, mode) {
  const check = (name, outcome, ...text) => el("li", {},
    el("span", {class: `badge check-${outcome}`, text: `${name}: ${outcome || "?"}`}), " ", text);
  const crashes = (entry) => `${entry.crashed_with_title} of ${entry.runs} runs crashed with ` +
    "the bug's title";
  const items = [];
  if (verification.culprit) {
    items.push(check("verify", verification.result, `culprit ${shortHash(
      verification.culprit.commit)}: ${crashes(verification.culprit)}`,
    (verification.parents || []).map((parent) => `; parent ${shortHash(parent.commit)}: ` +
      crashes(parent))));
  }
  const revert = verification.revert;
  if (revert) {
    const where = `${mode === "fix" ? "fix" : "culprit"} reverted on ${shortHash(revert.onto)}`;
    let detail = `${where}: `;
    if (revert.result === "not-applied") {
      detail += `conflicts in ${(revert.conflicts || []).join(", ") || "some files"}`;
    } else if (revert.runs !== undefined) {
      detail += crashes(revert);
    } else {
      detail += "not tested";
    }
    items.push(check("revert", revert.result, detail));
  }
  return el("div", {class: "verification"}, el("h3", {text: "Checks"}),
    el("ul", {class: "checks"}, items));
}

function totalsParts(result) {
  const time = result.time || {};
  const titles = result.bug_titles || [];
  return el("p", {class: "totals muted"},
    titles.length ? [el("span", {text: `bug: ${titles.join(" | ")}`}), el("br")] : null,
    `${result.commits_tested ?? 0} commits tested, ${result.builds ?? 0} builds, ` +
    `${result.runs ?? 0} runs in ${formatSeconds(time.total_s || 0)} (build ` +
    `${formatSeconds(time.build_s || 0)}, test ${formatSeconds(time.test_s || 0)})`);
}

// --- tested commits and their consoles ---------------------------------------------------------

function testedParts(page, tested) {
  const head = ["Commit", "Subject", "Phase", "Verdict", "Runs", "Crash titles", "Build", "Test",
    "Signature"];
  const rows = tested.map((row) => testedRow(page, row));
  return [el("h2", {text: `Tested commits (${tested.length})`}),
    el("div", {class: "table-wrap"}, el("table", {class: "tested"},
      el("thead", {}, el("tr", {}, head.map((name) => el("th", {text: name})))),
      el("tbody", {}, rows)))];
}

function testedRow(page, row) {
  const verdict = row.verdict || "running";
  const runs = [...(row.runs || [])].sort((a, b) => a.index - b.index);
  const chips = runs.map((run) => {
    const key = consoleKey(row, run);
    const label = `run #${run.index}: ${run.outcome}${run.title ? `: ${run.title}` : ""}`;
    return el("button", {type: "button", title: label, "aria-label": label,
      class: `run ${run.outcome}${page.console && page.console.key === key ? " selected" : ""}`,
      text: run.index, onclick: () => openRun(page, row, run)});
  });
  let build = row.build_status ? formatSeconds(row.build_s) : "";
  if (row.build_reused) build = "reused";
  if (row.build_status && row.build_status !== "ok") build = row.build_status;
  return el("tr", {class: `verdict-${verdict}`},
    cell("Commit", el("code", {title: row.commit, text: shortHash(row.commit)})),
    cell("Subject", el("span", {class: "subject", text: row.subject || ""})),
    cell("Phase", row.phase || ""),
    cell("Verdict", el("span", {class: `badge verdict ${verdict}`, text: verdict})),
    cell("Runs", el("span", {class: "ratio", text: `${row.crashed}/${row.total}` +
      (row.planned && row.total < row.planned ? ` of ${row.planned}` : "")}),
    el("span", {class: "run-chips"}, chips)),
    cell("Crash titles", el("ul", {class: "titles"}, (row.titles || []).map((title) =>
      el("li", {text: title})))),
    cell("Build", el("span", {title: row.build_error || row.compiler || "", text: build}),
      buildLinks(page, row)),
    cell("Test", formatSeconds(row.test_s)),
    cell("Signature", el("code", {class: "signature", title: row.signature || "",
      text: (row.signature || "").slice(0, 12)})));
}

function consoleKey(row, run) {
  return `${row.tree || row.commit}/${run.index}`;
}

// A run's console: the command backend keeps consoles in the bisection's store (by tree and
// run), the kernel backend in files under the job's folder (the first is the VM's serial console).
function openRun(page, row, run) {
  const files = run.console_files || [];
  const path = files.length ? fileUrl(page, files[0]) :
    `/api/jobs/${page.id}/console?tree=${encodeURIComponent(row.tree || "")}&run=${run.index}`;
  showText(page, consoleKey(row, run), ["Console of ", el("code", {text: shortHash(row.commit)}),
    ` run #${run.index}: ${run.outcome}`], path, files.slice(1));
}

// Links to what a build left: the files it kept (the kernel's .config and build log), or else
// its log's tail as the bisection's store keeps it (by tree).
function buildLinks(page, row) {
  const link = (text, key, title, path) => el("button", {type: "button", class: "link file",
    text, onclick: () => showText(page, key, title, path, [])});
  const name = (what) => [el("code", {text: shortHash(row.commit)}), ` ${what}`];
  const links = (row.build_artifacts || []).map((file) => link(baseName(file),
    `${row.commit}:${file}`, name(baseName(file)), fileUrl(page, file)));
  if (row.tree && row.build_status && !links.length) {
    links.push(link("log", `${row.tree}:build`, name("build log"),
      `/api/jobs/${page.id}/build-log?tree=${encodeURIComponent(row.tree)}`));
  }
  return links;
}

function fileUrl(page, file) {
  return `/api/jobs/${page.id}/file?path=${encodeURIComponent(file)}`;
}

function baseName(path) {
  return path.slice(path.lastIndexOf("/") + 1);
}

// Shows a console or log in the viewer below the table, with the crash reports the parser found
// in it marked; `others` are more files of the same run, offered as links.
async function showText(page, key, title, path, others) {
  page.console = {key};
  const box = page.parts.console;
  box.hidden = false;
  const close = el("button", {type: "button", class: "close", text: "Close", onclick: () => {
    page.console = null;
    box.hidden = true;
    box.replaceChildren();
    redrawTested(page);
  }});
  box.replaceChildren(el("div", {class: "console-head"}, el("h2", {}, title), close),
    el("p", {class: "muted", text: "Loading…"}));
  redrawTested(page);
  box.scrollIntoView({block: "nearest"});
  try {
    const shown = await api(path);
    if (!page.console || page.console.key !== key) return;  // another one was opened meanwhile
    const more = others.length ? el("p", {class: "muted"}, "Also kept: ", others.map((file, i) =>
      [i ? ", " : "", el("button", {type: "button", class: "link", text: baseName(file),
        onclick: () => showText(page, `${key}:${file}`, baseName(file), fileUrl(page, file),
          [])})])) : null;
    box.replaceChildren(box.firstChild, ...consoleParts(shown), ...(more ? [more] : []));
  } catch (error) {
    if (page.console && page.console.key === key) {
      box.replaceChildren(box.firstChild, el("p", {class: "error", text: error.message}));
    }
  }
}

function redrawTested(page) {
  page.drawn.tested = null;
  if (page.job) {
    section(page, "tested", [page.job.view.tested, page.console && page.console.key],
      () => testedParts(page, page.job.view.tested || []));
  }
}

function consoleParts(shown) {
  const reports = [...(shown.reports || [])].sort((a, b) => a.start - b.start);
  const text = shown.text || "";
  const pre = el("pre", {class: "console-text"});
  const marks = [];
  let at = 0;
  for (const report of reports) {
    const start = Math.max(at, report.start), end = Math.min(text.length, report.end);
    if (end <= start) continue;
    pre.append(text.slice(at, start));
    const mark = el("mark", {class: `report${report.corrupted ? " corrupted" : ""}`,
      title: report.title, text: text.slice(start, end)});
    marks.push([report, mark]);
    pre.append(mark);
    at = end;
  }
  pre.append(text.slice(at));
  const summary = marks.length ?
    el("ol", {class: "reports"}, marks.map(([report, mark]) => el("li", {},
      el("button", {type: "button", class: "link", text: report.title,
        onclick: () => mark.scrollIntoView({block: "center"})}),
      report.type ? el("span", {class: "muted", text: ` (${report.type})`}) : null,
      report.corrupted ? el("span", {class: "badge", text: "corrupted"}) : null))) :
    el("p", {class: "muted", text: "No crash report found in this console."});
  const skipped = shown.skipped_bytes ?
    el("p", {class: "muted", text: `(the first ${shown.skipped_bytes} bytes are not shown)`}) :
    null;
  return [summary, skipped, pre].filter((part) => part);
}

// --- the log -----------------------------------------------------------------------------------

const LOG_CLASSES = [
  [/^run #\d+: crashed/, "crashed"],
  [/^# git bisect/, "command"],
  [/^testing (commit|release)/, "testing"],
  [/is the first (bad|good) commit|^first (bad|good) commit/, "found"],
  [/unreliable|inconclusive|^error|: FAIL|NOT APPLIED/, "warning"],
  [/: PASS$/, "pass"],
];

function appendLog(page, lines) {
  const pre = page.logPre;
  // Follow the log while the reader is at its end; leave it alone while they scroll back.
  const following = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  const spans = lines.map((line) => {
    const match = LOG_CLASSES.find(([pattern]) => pattern.test(line));
    return el("span", {class: match ? match[1] : null}, `${line}\n`);
  });
  pre.append(...spans);
  if (following) pre.scrollTop = pre.scrollHeight;
}

// --- start -------------------------------------------------------------------------------------

function main() {
  const app = document.getElementById("app");
  const job = location.pathname.match(/^\/jobs\/(\d+)$/);
  if (job) showJob(app, Number(job[1]));
  else showList(app);
}

main();
