// ccverify ui: the page. Every verdict shown here comes from the ccverify server on this machine;
// this script only asks for it and lays it out. Text from the gateway or from a dropped file is
// always inserted as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);

// The token arrives in the URL fragment (never sent to a server); keep it for this tab only
// and take it out of the address bar.
const token = (() => {
  const m = /(?:^|[#&])token=([0-9a-f]{64})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("ccverify-token", m[1]);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("ccverify-token") || "";
})();

class ApiError extends Error {
  constructor(code, detail) {
    super(detail);
    this.code = code;
  }
}

async function api(path, body, accept) {
  const init = { headers: { "x-ccverify-token": token } };
  if (accept) init.headers.accept = accept;
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  return response;
}

async function apiJson(path, body) {
  const response = await api(path, body);
  let value = null;
  try {
    value = await response.json();
  } catch {
    throw new ApiError("network", `HTTP ${response.status}: not JSON`);
  }
  if (!response.ok) throw new ApiError(value.error || "error", value.detail || `HTTP ${response.status}`);
  return value;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const STATUS_WORDS = { pass: "pass", warn: "warn", fail: "fail", skip: "skipped" };
const pill = (status, text) => el("span", { class: `pill ${status}`, text: text || STATUS_WORDS[status] || status });

// ---------------------------------------------------------------------------------------------
// Tabs (arrow keys move between them, as the ARIA tab pattern has it)

const tabs = ["attest", "chat", "inspect"];
function selectTab(name, focus) {
  for (const t of tabs) {
    const on = t === name;
    const tab = $(`tab-${t}`);
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
}
for (const t of tabs) {
  $(`tab-${t}`).addEventListener("click", () => selectTab(t, false));
  $(`tab-${t}`).addEventListener("keydown", (e) => {
    const i = tabs.indexOf(t);
    if (e.key === "ArrowRight") selectTab(tabs[(i + 1) % tabs.length], true);
    else if (e.key === "ArrowLeft") selectTab(tabs[(i + tabs.length - 1) % tabs.length], true);
    else return;
    e.preventDefault();
  });
}

// ---------------------------------------------------------------------------------------------
// Verdicts

const SUBJECT_ORDER = (key) => {
  if (key === "report") return [0, 0];
  let m = /^gpu(\d+)$/.exec(key);
  if (m) return [1, Number(m[1])];
  if (key === "gpus") return [2, 0];
  if (key === "tdx") return [3, 0];
  m = /^exchange(\d+)$/.exec(key);
  if (m) return [4, Number(m[1])];
  return [5, 0];
};

function subjectOf(check) {
  if (check.subject) return check.subject;
  if (check.id.startsWith("gpu.")) return "gpus";
  if (check.id.startsWith("tdx.")) return "tdx";
  return "report";
}

function subjectTitle(key) {
  let m = /^gpu(\d+)$/.exec(key);
  if (m) return `GPU ${m[1]}`;
  m = /^exchange(\d+)$/.exec(key);
  if (m) return `Exchange ${m[1]}`;
  return { report: "Report, key and trust", gpus: "GPUs together", tdx: "Intel TDX quote" }[key] || key;
}

function worst(checks) {
  const rank = { fail: 3, skip: 2, warn: 1, pass: 0 };
  return checks.reduce((w, c) => (rank[c.status] > rank[w] ? c.status : w), "pass");
}

// What a person looks for first in each subject, in words.
function highlights(key, checks, facts) {
  const out = [];
  const find = (id) => checks.find((c) => c.id === id);
  const gpu = /^gpu(\d+)$/.exec(key);
  if (gpu) {
    const p = `gpu${gpu[1]}.`;
    if (facts[p + "hwmodel"]) out.push(`Device: ${facts[p + "hwmodel"]}, driver ${facts[p + "driver_version"] || "?"}, VBIOS ${facts[p + "vbios_version"] || "?"}`);
    if (facts[p + "cert_expiration"]) {
      const expires = new Date(facts[p + "cert_expiration"]);
      const past = expires.getTime() < Date.now();
      out.push(`Device certificate ${past ? "EXPIRED" : "expires"} ${facts[p + "cert_expiration"]}`);
    }
    const m = find("gpu.measurements");
    if (m && m.status !== "pass") out.push(`Measurements: ${m.detail}`);
    const n = find("gpu.nonce");
    if (n && n.status !== "pass") out.push(`Nonce: ${n.detail}`);
  }
  if (key === "tdx") {
    const tcb = find("tdx.tcb_status");
    if (tcb) out.push(`TCB status: ${tcb.detail}`);
    const rd = find("tdx.report_data");
    if (rd && rd.status !== "pass") out.push(`REPORTDATA: ${rd.detail}`);
  }
  if (key === "report") {
    const kb = find("report.key_binding");
    if (kb) out.push(`Key binding: ${kb.detail}`);
    const tr = find("trust.anchors");
    if (tr) out.push(`Trust: ${tr.detail}`);
  }
  return out;
}

function renderChecks(container, verdict) {
  container.replaceChildren();
  const groups = new Map();
  for (const c of verdict.checks) {
    const key = subjectOf(c);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [x, y] = [SUBJECT_ORDER(a), SUBJECT_ORDER(b)];
    return x[0] - y[0] || x[1] - y[1];
  });
  for (const key of keys) {
    const checks = groups.get(key);
    const w = worst(checks);
    const section = el("section", { class: "subject", "data-subject": key },
      el("h3", {}, el("span", { text: subjectTitle(key) }), pill(w)));
    const notes = highlights(key, checks, verdict.facts || {});
    if (notes.length) section.append(el("ul", { class: "highlights" }, ...notes.map((n) => el("li", { text: n }))));
    const rows = checks.map((c) =>
      el("tr", { "data-check": c.id, "data-status": c.status },
        el("td", {}, pill(c.status)), el("td", { class: "id", text: c.id }), el("td", { class: "detail", text: c.detail })));
    section.append(el("div", { class: "table-wrap" },
      el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "Status" }), el("th", { text: "Check" }), el("th", { text: "Detail" }))),
        el("tbody", {}, ...rows))));
    container.append(section);
  }
}

function renderClaims(container, claims) {
  container.replaceChildren();
  const lists = [
    ["proven", "Proven", claims.proven],
    ["accepted", "Accepted by policy, not proven", claims.accepted],
    ["not-proven", "Not proven", claims.not_proven],
  ];
  for (const [cls, title, items] of lists) {
    container.append(el("section", { class: `claims-${cls}` }, el("h3", { text: `${title} (${items.length})` }),
      items.length ? el("ul", {}, ...items.map((t) => el("li", { text: t }))) : el("p", { text: "nothing" })));
  }
}

function renderBanner(node, result) {
  const facts = result.verdict.facts || {};
  const test = result.verdict.checks.some((c) => c.id === "trust.anchors");
  // A bundle's own policy or time: its author chose what was checked.
  const inputs = result.verdict.checks.find((c) => c.id === "bundle.inputs" && c.status !== "pass");
  const caveat = test
    ? "Roots other than NVIDIA's and Intel's were in use: nothing here is about real hardware."
    : inputs
      ? `The bundle's own policy or time was applied, not yours: ${inputs.detail}`
      : null;
  node.className = `banner ${result.verified ? (caveat ? "warn" : "pass") : "fail"}`;
  node.replaceChildren(
    el("span", { text: result.verified ? "VERIFIED under the policy" : "NOT VERIFIED" }),
    el("span", { class: "sub", text: caveat
      || (result.verified ? "Every required check passed; what that proves is listed below." : "A required check failed or was skipped; see below.") }));
  node.dataset.verified = String(result.verified);
  return facts;
}

function renderVerdict(prefix, result) {
  $(`${prefix}-result`).hidden = false;
  const facts = renderBanner($(`${prefix}-banner`), result);
  renderClaims($(`${prefix}-claims`), result.claims);
  renderChecks($(`${prefix}-checks`), result.verdict);
  return facts;
}

// ---------------------------------------------------------------------------------------------
// Attest

let status = null;
let models = [];

async function loadStatus() {
  if (!token) {
    $("fatal").hidden = false;
    $("fatal").textContent = "No token: open the URL that `ccverify ui` printed (it ends in #token=…).";
    $("gateway").textContent = "Not connected";
    return;
  }
  try {
    status = await apiJson("/api/status");
    $("gateway").textContent = `${status.gateway} · policy ${status.policy} · trust ${status.trust}${status.api_key ? " · API key set" : ""}`;
    $("fault-box").hidden = !status.sandbox;
    const list = await apiJson("/api/models");
    models = list.models;
    $("model").replaceChildren(...models.map((m) =>
      el("option", { value: m.model_id, text: `${m.name}${m.supports_attestation ? "" : " (no attestation)"}` })));
    if (status.default_model) $("model").value = status.default_model;
    if (status.session) showSession(status.session);
  } catch (e) {
    $("fatal").hidden = false;
    $("fatal").textContent = `${e.code || "error"}: ${e.message}`;
  }
}

let currentSession = null;

function showSession(s) {
  currentSession = s;
  $("chat-session").textContent = s
    ? `Session with ${s.model}: nonce ${s.nonce.slice(0, 16)}…, key ${s.signing_address || "none"} — attestation ${s.attested ? "verified" : "NOT verified"}`
    : "Attest first: chats are verified against the attested key.";
}

$("attest-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const model = models.find((m) => m.model_id === $("model").value);
  if (!model) return;
  $("attest-button").disabled = true;
  $("attest-status").textContent = "Attesting: fresh nonce, evidence, RIMs, OCSP, collateral…";
  try {
    // Progress arrives as events (the attestation, RIMs, OCSP, collateral), then the verdict.
    const response = await api("/api/attest", {
      model_id: model.model_id, model: model.name, allow_unverified: $("allow-unverified").checked,
    }, "text/event-stream");
    if (!response.ok) {
      const value = await response.json();
      throw new ApiError(value.error, value.detail);
    }
    let result = null;
    await readEvents(response, (name, data) => {
      if (name === "progress") $("attest-status").textContent = `Attesting: ${data.line}`;
      else if (name === "result") result = data;
      else if (name === "error") throw new ApiError(data.error, data.detail);
    });
    if (!result) throw new ApiError("network", "the attestation ended without a verdict");
    const facts = renderVerdict("attest", result);
    const dl = $("attest-facts");
    dl.replaceChildren();
    for (const [k, label] of [["nonce", "Nonce sent"], ["signing_address", "Signing address"], ["image_digest", "Image digest (declared)"], ["policy.name", "Policy"], ["gpu.count", "GPUs"]]) {
      if (facts[k]) dl.append(el("dt", { text: label }), el("dd", { text: facts[k] }));
    }
    $("attest-status").textContent = `Attested ${model.name} at ${new Date().toLocaleTimeString()}.`;
    showSession(result.session);
  } catch (err) {
    $("attest-status").textContent = `Attestation failed: ${err.code}: ${err.message}`;
  } finally {
    $("attest-button").disabled = false;
  }
});

// ---------------------------------------------------------------------------------------------
// Chat

const conversation = [];

function scrollConversation() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

function assistantItem() {
  const text = el("div", { class: "text pending" });
  const badges = el("div", { class: "badge-line" }, pill("pending", "verifying…"));
  const item = el("li", { class: "msg assistant", "data-state": "pending" }, el("div", { class: "who", text: "assistant" }), text, badges);
  $("messages").append(item);
  return { item, text, badges };
}

function finishReply(view, reply) {
  view.item.dataset.state = reply.verified ? "verified" : "unverified";
  view.text.classList.remove("pending");
  if (reply.verified) {
    // The verified text replaces whatever arrived while streaming.
    view.text.textContent = reply.displayable
      ? reply.content
      : "Verified, but this page cannot show its text faithfully (more than one choice, or an event it cannot read): download the bundle to see the exact bytes.";
    const roots = status && status.trust !== "production" ? ` (attested under the ${status.trust} roots only)` : "";
    view.badges.replaceChildren(pill("pass", "verified"),
      el("span", { text: `signed by the attested key over exactly this request and reply${roots}` }));
    if (reply.displayable) conversation.push({ role: "assistant", content: reply.content });
    return;
  }
  view.text.textContent = "Reply withheld: it did not verify.";
  const failing = reply.failing.map((c) => `${c.id}${c.subject ? ` (${c.subject})` : ""}: ${c.detail}`);
  view.badges.replaceChildren(pill("fail", "not verified"));
  view.item.append(el("ul", { class: "failing" }, ...failing.map((f) => el("li", { text: f }))));
  if (reply.unverified_content) {
    view.item.append(el("details", {}, el("summary", { text: "Show the unverified text (do not trust it)" }),
      el("pre", { text: reply.unverified_content })));
  }
}

function failReply(view, code, detail) {
  view.item.dataset.state = "error";
  view.text.classList.remove("pending");
  view.text.textContent = "";
  view.badges.replaceChildren(pill("fail", "error"), el("span", { text: `${code}: ${detail}` }));
}

async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      onEvent(name, JSON.parse(data));
    }
  }
}

$("prompt").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $("chat-form").requestSubmit();
  }
});
$("stream").addEventListener("change", () => {
  $("hold").disabled = !$("stream").checked;
  if (!$("stream").checked) $("hold").checked = false;
});

$("chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const content = $("prompt").value.trim();
  if (!content) return;
  $("send").disabled = true;
  $("messages").append(el("li", { class: "msg user" }, el("div", { class: "who", text: "you" }), el("div", { class: "text", text: content })));
  $("prompt").value = "";
  const messages = [...conversation, { role: "user", content }];
  conversation.push({ role: "user", content });
  const view = assistantItem();
  scrollConversation();
  const stream = $("stream").checked;
  const hold = stream && $("hold").checked;
  const body = {
    messages, stream, hold,
    fault: status && status.sandbox ? $("fault").value : null,
    session: currentSession ? currentSession.nonce : null,
  };
  try {
    const response = await api("/api/chat", body);
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      const value = await response.json();
      failReply(view, value.error, value.detail);
    } else if (type.startsWith("text/event-stream")) {
      let streamed = "";
      let ended = false;
      await readEvents(response, (name, data) => {
        if (name === "delta" && !hold) {
          streamed += data.text;
          view.text.textContent = streamed;
          view.badges.replaceChildren(pill("pending", "arriving, not yet verified"));
          scrollConversation();
        } else if (name === "reply") {
          ended = true;
          finishReply(view, data);
        } else if (name === "error") {
          ended = true;
          failReply(view, data.error, data.detail);
        }
      });
      if (!ended) failReply(view, "network", "the stream ended without a verdict");
    } else {
      finishReply(view, await response.json());
    }
  } catch (err) {
    failReply(view, "network", err.message);
  } finally {
    $("send").disabled = false;
    scrollConversation();
  }
});

$("download-bundle").addEventListener("click", async () => {
  const response = await api("/api/bundle");
  if (!response.ok) {
    const value = await response.json();
    $("chat-session").textContent = `${value.error}: ${value.detail}`;
    return;
  }
  const disposition = response.headers.get("content-disposition") || "";
  const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || "ccverify-bundle.json";
  const url = URL.createObjectURL(await response.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

// ---------------------------------------------------------------------------------------------
// Inspect

const suppliedBundles = {};

function looksLikeBundle(text) {
  try {
    const v = JSON.parse(text);
    return typeof v.format === "string" && v.format.startsWith("ccverify-bundle");
  } catch {
    return false;
  }
}

async function takeFiles(files) {
  const read = await Promise.all([...files].map(async (f) => [f.name, await f.text()]));
  const list = $("dropped");
  list.replaceChildren();
  const others = read.filter(([, text]) => !looksLikeBundle(text));
  const bundles = read.filter(([, text]) => looksLikeBundle(text));
  for (const k of Object.keys(suppliedBundles)) delete suppliedBundles[k];
  // A log and its bundles: the log is the document, the bundles are supplied by name.
  if (others.length) {
    $("document").value = others[0][1];
    for (const [name, text] of bundles) suppliedBundles[name] = text;
  } else if (bundles.length) {
    $("document").value = bundles[0][1];
  }
  for (const [name] of read) list.append(el("li", { text: name }));
  $("inspect-status").textContent = `${read.length} file(s) read; press “Verify offline”.`;
}

$("policy").addEventListener("change", () => {
  const custom = $("policy").value === "custom";
  const recorded = $("policy").value === "recorded";
  $("policy-text-box").hidden = !custom;
  // The trust roots belong to your own preset; a pasted policy or the bundle's own carry theirs.
  $("trust").disabled = custom || recorded;
});

const drop = $("drop");
drop.addEventListener("click", () => $("file").click());
drop.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    $("file").click();
  }
});
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  takeFiles(e.dataTransfer.files);
});
$("file").addEventListener("change", () => takeFiles($("file").files));

function inspectOptions(kind) {
  const options = {};
  const at = $("at").value.trim();
  if (at) options.at = at;
  const policy = $("policy").value;
  if (policy === "recorded") {
    if (kind === "attestation") throw new ApiError("invalid_argument", "an attestation carries no policy: choose one");
    options.policy = "recorded";
  } else if (policy === "custom") {
    const text = $("policy-text").value.trim();
    if (!text) throw new ApiError("invalid_argument", "paste your policy, or choose a preset");
    options.policy = text;
  } else {
    options.policy = { preset: policy, trust: $("trust").value };
  }
  if (kind === "attestation") options.nonce = $("nonce").value.trim();
  return options;
}

function detectKind(text) {
  try {
    const v = JSON.parse(text);
    if (typeof v.format === "string" && v.format.startsWith("ccverify-bundle")) return "bundle";
    if ("request" in v) return "exchanges";
    return "attestation";
  } catch {
    return "exchanges";
  }
}

// A row is green only when its key is attested; a key the log merely names, or one whose bundle
// verified with caveats (the key binding, test roots, the bundle's own policy), is said so.
const KEY_WORDS = {
  attested: ["pass", "verified"],
  caveated: ["warn", "signed; key attested with caveats"],
  named: ["warn", "signed; key only named by the log"],
};

function renderAudit(result) {
  const summary = result.report.summary;
  const keys = result.keys || {};
  const banner = $("inspect-banner");
  const style = !result.signed ? "fail" : (result.verified ? "pass" : "warn");
  banner.className = `banner ${style}`;
  banner.dataset.verified = String(result.verified);
  banner.dataset.signed = String(result.signed);
  const caveats = [];
  if (keys.caveated) caveats.push(`${keys.caveated} exchange(s) are held to keys their bundles attest only with caveats (see each bundle's warnings)`);
  if (keys.named) caveats.push(`${keys.named} exchange(s) are held to keys the log only names: nothing attests them`);
  banner.replaceChildren(el("span", { text: `${summary.verified} of ${summary.exchanges} exchange(s) signed over exactly their bytes` }),
    el("span", { class: "sub", text: [
      summary.bad_lines.length ? `${summary.bad_lines.length} line(s) are not records.` : "",
      caveats.join("; "),
      result.verified ? "Every key is attested." : "",
    ].filter(Boolean).join(" ") || "See each row." }));
  $("inspect-claims").replaceChildren();
  const rows = result.report.results.map((r) => {
    const [state, words] = r.verified ? (KEY_WORDS[r.key] || ["warn", `signed; key ${r.key}`]) : ["fail", "not verified"];
    return el("tr", { "data-status": state },
      el("td", {}, pill(state, words)),
      el("td", { class: "id", text: r.id || "?" }),
      el("td", { text: r.key }),
      el("td", { class: "detail", text: r.error || (r.failed.length ? `failed: ${r.failed.join(", ")}` : (r.warnings.length ? `warned: ${r.warnings.join(", ")}` : "all checks passed")) }));
  });
  $("inspect-checks").replaceChildren(el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: "Verdict" }), el("th", { text: "Id" }), el("th", { text: "Key" }), el("th", { text: "Detail" }))),
    el("tbody", {}, ...rows))));
}

$("inspect-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const documentText = $("document").value;
  const chosen = $("kind").value;
  const kind = chosen === "auto" ? detectKind(documentText) : chosen;
  $("inspect-button").disabled = true;
  $("inspect-status").textContent = `Verifying the ${kind} offline…`;
  try {
    const body = { document: documentText, kind, options: inspectOptions(kind) };
    if (kind === "exchanges" && Object.keys(suppliedBundles).length) body.bundles = suppliedBundles;
    const result = await apiJson("/api/inspect", body);
    $("inspect-result").hidden = false;
    $("inspect-facts").replaceChildren();
    if (result.kind === "exchanges") renderAudit(result);
    else {
      const facts = renderVerdict("inspect", result);
      for (const [k, label] of [["nonce", "Nonce"], ["bundle.at", "Verified at"], ["bundle.time_source", "Time from"], ["policy.name", "Policy"], ["policy.sha256", "Policy sha256"], ["policy.source", "Policy from"], ["signing_address", "Signing address"], ["bundle.exchanges", "Exchanges"]]) {
        if (facts[k]) $("inspect-facts").append(el("dt", { text: label }), el("dd", { text: facts[k] }));
      }
    }
    $("inspect-status").textContent = `Re-verified the ${result.kind} at ${new Date().toLocaleTimeString()}.`;
  } catch (err) {
    $("inspect-status").textContent = `Could not verify: ${err.code}: ${err.message}`;
  } finally {
    $("inspect-button").disabled = false;
  }
});

showSession(null);
loadStatus();
