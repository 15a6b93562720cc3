// provcheck desk: drop, paste or pick pictures, statement checks, the
// compare view and the corpus forms. Every string from the server is set
// with textContent (never parsed as HTML); requests go to this server only.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** The file name the server keeps for an upload (see the server's clean_name). */
function cleanName(name) {
  let s = (name.split(/[\\/]/).pop() || "").replace(/[^A-Za-z0-9._-]/g, "_");
  while (s.startsWith(".")) s = s.slice(1);
  if (s.length > 100) s = s.slice(s.length - 100);
  return s || "upload";
}

/** POSTs a form to the API; the parsed JSON, or an Error with the server's message. */
async function post(path, body) {
  const res = await fetch(path, { method: "POST", body, credentials: "same-origin" });
  const type = res.headers.get("content-type") || "";
  const data = type.startsWith("application/json") ? await res.json() : await res.blob();
  if (!res.ok) throw new Error((data && data.error) || res.statusText);
  return data;
}

async function getJson(path) {
  const res = await fetch(path, { credentials: "same-origin" });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function say(id, text, bad = false) {
  const p = document.getElementById(id);
  if (!p) return;
  p.textContent = text;
  p.classList.toggle("bad", bad);
}

const CLASS_WORDS = {
  identical: "Seen before: the same file",
  "near-duplicate": "Seen before: a copy",
  similar: "Similar to a known picture",
};

function matchWords(m) {
  const v = m.verification && m.verification.verdict;
  if (v === "other-shot") return "Another shot of the same scene";
  return CLASS_WORDS[m.class] || m.class;
}

/** The timeline of known appearances, oldest first. */
function timeline(contexts) {
  if (!contexts || !contexts.length) return el("p", { class: "muted", text: "No known appearance." });
  return el("ol", { class: "timeline" }, contexts.map((c) =>
    el("li", {},
      el("strong", { text: c.published || "date unknown" }),
      c.publisher ? ` — ${c.publisher}` : "",
      c.location ? ` — ${c.location}` : "",
      c.caption ? el("p", { text: c.caption }) : null,
      c.source_url ? el("p", { class: "muted", text: `Source: ${c.source_url}` }) : null)));
}

/** The EXIF rows of the HTML report's comparison (taken, modified, camera, software, artist, copyright, description, GPS). */
const EXIF_ROWS = [
  ["datetime_original", "Taken"], ["datetime_modified", "Modified"], ["make", "Make"], ["model", "Model"],
  ["software", "Software"], ["artist", "Artist"], ["copyright", "Copyright"], ["image_description", "Description"],
  ["gps_latitude", "Latitude"], ["gps_longitude", "Longitude"],
];

/** EXIF side by side: the query's (when known) and the reference's. */
function exifTable(query, ref) {
  const rows = EXIF_ROWS.filter(([k]) => (query && query[k] != null) || (ref && ref[k] != null));
  if (!rows.length) return el("p", { class: "muted", text: "No EXIF on either picture." });
  return el("table", { class: "exif" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "EXIF" }),
      el("th", { scope: "col", text: "Query" }), el("th", { scope: "col", text: "Reference" }))),
    el("tbody", {}, rows.map(([k, label]) => {
      const q = query && query[k] != null ? String(query[k]) : "—";
      const r = ref && ref[k] != null ? String(ref[k]) : "—";
      return el("tr", { class: q !== r && q !== "—" && r !== "—" ? "differs" : null },
        el("th", { scope: "row", text: label }), el("td", { text: q }), el("td", { text: r }));
    })));
}

/** One match of a query, with its compare button. */
function matchCard(m, queryUrl, queryExif) {
  const details = el("details", {},
    el("summary", { text: "Known appearances and EXIF" }),
    timeline(m.contexts), exifTable(queryExif, m.exif));
  const ctx = m.context || {};
  return el("li", { class: `match class-${m.class}` },
    el("p", { class: "verdict" }, el("strong", { text: matchWords(m) })),
    el("p", {}, el("span", { class: "path", text: m.path })),
    el("p", { class: "muted" },
      `distance ${m.distance} bits, chance match ${m.chance_odds}`,
      m.transform !== "original" ? `, ${m.transform}` : "",
      m.frames && m.frames.query !== "whole" ? `, query frame ${m.frames.query}` : ""),
    ctx.published || ctx.publisher
      ? el("p", {}, `First known: ${ctx.published || "?"}${ctx.publisher ? ", " + ctx.publisher : ""}`) : null,
    ctx.caption ? el("p", { class: "caption", text: ctx.caption }) : null,
    el("button", { type: "button", class: "compare-button", onclick: () => openCompare(queryUrl, m) }, "Compare"),
    details);
}

/** Results of a query, each beside its picture. */
function renderQuery(items, files) {
  const box = $("#results");
  for (const item of items) {
    const file = files.find((f) => cleanName(f.name) === item.query);
    const url = file ? URL.createObjectURL(file) : null;
    let body;
    if (item.error) body = el("p", { class: "bad", text: `Could not be read: ${item.error}` });
    else if (!item.matches.length) {
      body = el("p", { class: "verdict" }, el("strong", {
        text: item.not_assessed ? `Not assessed: ${item.not_assessed.detail || item.not_assessed.reason}` : "No match in the corpus",
      }));
    } else body = el("ol", { class: "matches" }, item.matches.map((m) => matchCard(m, url, null)));
    box.prepend(el("article", { class: "result" },
      el("figure", {}, url ? el("img", { src: url, alt: `Query ${item.query}` }) : null,
        el("figcaption", { text: item.query })),
      el("div", {}, body)));
  }
}

async function queryFiles(files) {
  files = Array.from(files).filter((f) => f.size > 0);
  if (!files.length) return;
  const form = new FormData();
  for (const f of files) form.append("picture", f, cleanName(f.name));
  say("query-status", `Checking ${files.length} picture${files.length > 1 ? "s" : ""}…`);
  try {
    const items = await post("/api/v1/query", form);
    renderQuery(items, files);
    say("query-status", `Done: ${items.length} picture${items.length > 1 ? "s" : ""} checked.`);
  } catch (e) {
    say("query-status", `Error: ${e.message}`, true);
  }
}

/** The statement form as multipart: the statement file, or one made from the fields. */
function statementForm() {
  const form = $("#statement-form");
  const pictures = Array.from($("#statement-pictures").files);
  const data = new FormData();
  for (const f of pictures) data.append("picture", f, cleanName(f.name));
  const file = $("#statement-file").files[0];
  if (file) {
    data.append("statement", file, cleanName(file.name));
    return data;
  }
  const s = { images: pictures.map((f) => ({ path: cleanName(f.name) })) };
  for (const k of ["title", "source", "published", "claimed_date", "claimed_location", "text"]) {
    const v = form.elements[k].value.trim();
    if (v) s[k] = v;
  }
  for (const k of ["claimed_latitude", "claimed_longitude"]) {
    const v = form.elements[k].value.trim();
    if (v) s[k] = Number(v);
  }
  data.append("statement", JSON.stringify(s));
  data.append("statement_format", "json");
  return data;
}

function renderVerdicts(items) {
  const box = $("#verdicts");
  box.replaceChildren();
  const pictures = Array.from($("#statement-pictures").files);
  for (const c of items) {
    const file = pictures.find((f) => cleanName(f.name) === c.image);
    const url = file ? URL.createObjectURL(file) : null;
    const verdict = c.error ? "error" : c.verdict;
    const m = c.original && c.matches.find((x) => x.path === c.original.path);
    box.append(el("article", { class: `result verdict-${verdict}` },
      el("figure", {}, url ? el("img", { src: url, alt: `Attached picture ${c.image}` }) : null,
        el("figcaption", { text: c.image })),
      el("div", {},
        el("p", { class: "verdict" }, el("strong", { text: verdict.replace(/-/g, " ") })),
        c.error ? el("p", { class: "bad", text: c.error }) : null,
        c.original ? el("p", {}, `Likely original: ${c.original.path}, ${c.original.class}, distance ${c.original.distance}`) : null,
        list("Contradictions", c.contradictions), list("Edits", c.edits), list("EXIF flags", c.exif_flags),
        m ? el("button", { type: "button", class: "compare-button", onclick: () => openCompare(url, m) }, "Compare") : null,
        m ? el("details", {}, el("summary", { text: "Known appearances and EXIF" }),
          timeline(m.contexts), exifTable(c.exif, m.exif)) : null)));
  }
}

function list(title, findings) {
  if (!findings || !findings.length) return null;
  return el("div", {}, el("h3", { text: title }),
    el("ul", {}, findings.map((f) => el("li", {}, el("strong", { text: f.kind }), `: ${f.detail}`))));
}

// ---- the compare view ----------------------------------------------------

/** Margins (left, top, right, bottom) of the named sub-frames (the matcher's CROPS). */
const FRAMES = {
  whole: [0, 0, 0, 0], "centre-5": [0.05, 0.05, 0.05, 0.05], "centre-10": [0.1, 0.1, 0.1, 0.1],
  "top-12": [0, 0.12, 0, 0], "bottom-12": [0, 0, 0, 0.12], "left-12": [0.12, 0, 0, 0], "right-12": [0, 0, 0.12, 0],
  "top-left-10": [0.1, 0.1, 0, 0], "top-right-10": [0, 0.1, 0.1, 0], "bottom-left-10": [0.1, 0, 0, 0.1],
  "bottom-right-10": [0, 0, 0.1, 0.1], "top-25": [0, 0.25, 0, 0], "bottom-25": [0, 0, 0, 0.25],
};

let compare = null;

async function openCompare(queryUrl, m) {
  const dialog = $("#compare");
  const found = await getJson(`/api/v1/references?sha256=${encodeURIComponent(m.sha256)}&limit=1`);
  const ref = found.references[0];
  if (!ref || !queryUrl) return;
  const q = $("#cmp-query");
  const r = $("#cmp-ref");
  q.src = queryUrl;
  r.src = `${ref.picture}?side=1200`;
  compare = { m, q, r };
  $("#compare-title").textContent = `Compare with ${m.path}`;
  $("#compare-note").textContent =
    `Aligned with the matcher's transform (${m.transform}) and frames (query ${m.frames.query}, reference ${m.frames.reference}).`;
  await Promise.all([q.decode().catch(() => {}), r.decode().catch(() => {})]);
  setMode("side");
  dialog.showModal();
  dialog.querySelector("[role=tab]").focus();
}

/** The reference drawn onto a canvas the size of the query, aligned. */
function alignedReference() {
  const { m, q, r } = compare;
  const c = document.createElement("canvas");
  c.width = q.naturalWidth;
  c.height = q.naturalHeight;
  const g = c.getContext("2d");
  const [ql, qt, qr, qb] = FRAMES[m.frames.query] || FRAMES.whole;
  const [rl, rt, rr, rb] = FRAMES[m.frames.reference] || FRAMES.whole;
  const dx = ql * c.width, dy = qt * c.height;
  const dw = (1 - ql - qr) * c.width, dh = (1 - qt - qb) * c.height;
  const sx = rl * r.naturalWidth, sy = rt * r.naturalHeight;
  const sw = (1 - rl - rr) * r.naturalWidth, sh = (1 - rt - rb) * r.naturalHeight;
  g.save();
  g.translate(dx + dw / 2, dy + dh / 2);
  // The query is the reference with this transform applied.
  const t = m.transform;
  let w = dw, h = dh;
  if (t === "mirror-horizontal") g.scale(-1, 1);
  else if (t === "mirror-vertical") g.scale(1, -1);
  else if (t === "rotate-180") g.rotate(Math.PI);
  else if (t === "rotate-90") { g.rotate(Math.PI / 2); [w, h] = [dh, dw]; }
  else if (t === "rotate-270") { g.rotate(-Math.PI / 2); [w, h] = [dh, dw]; }
  else if (t === "transpose") { g.rotate(Math.PI / 2); g.scale(1, -1); [w, h] = [dh, dw]; }
  else if (t === "transverse") { g.rotate(-Math.PI / 2); g.scale(1, -1); [w, h] = [dh, dw]; }
  g.drawImage(r, sx, sy, sw, sh, -w / 2, -h / 2, w, h);
  g.restore();
  return c;
}

function setMode(mode) {
  const stage = $("#compare-stage");
  stage.className = `stage ${mode}`;
  for (const tab of document.querySelectorAll("#compare [role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    tab.tabIndex = tab.dataset.mode === mode ? 0 : -1;
  }
  $("#cmp-slider-label").hidden = mode === "side" || mode === "difference";
  stage.querySelector("canvas")?.remove();
  if (mode === "side") return;
  const { q } = compare;
  const aligned = alignedReference();
  const out = document.createElement("canvas");
  out.width = aligned.width;
  out.height = aligned.height;
  out.setAttribute("role", "img");
  out.setAttribute("aria-label", `${mode} of the query and the aligned reference`);
  const draw = () => {
    const g = out.getContext("2d");
    const share = Number($("#cmp-slider").value) / 100;
    g.globalCompositeOperation = "source-over";
    g.globalAlpha = 1;
    g.drawImage(q, 0, 0);
    if (mode === "slider") {
      const x = out.width * share;
      g.drawImage(aligned, 0, 0, x, out.height, 0, 0, x, out.height);
      g.fillStyle = "#fff";
      g.fillRect(x - 1, 0, 2, out.height);
    } else if (mode === "overlay") {
      g.globalAlpha = share;
      g.drawImage(aligned, 0, 0);
    } else {
      g.globalCompositeOperation = "difference";
      g.drawImage(aligned, 0, 0);
    }
  };
  draw();
  $("#cmp-slider").oninput = draw;
  stage.append(out);
}

// ---- corpus page ---------------------------------------------------------

async function pollBuild() {
  const bar = $("#build-progress");
  for (;;) {
    const s = await getJson("/api/v1/build");
    bar.hidden = false;
    bar.max = Math.max(1, s.total);
    bar.value = s.done;
    if (s.state === "running") say("build-status", `Building: ${s.done} of ${s.total} files hashed…`);
    else {
      say("build-status", s.state === "finished"
        ? `Build finished: ${s.summary.added} added, ${s.summary.updated} updated, ${s.summary.pruned} removed, ${s.summary.failed.length} failed.`
        : `Build failed: ${s.error}`, s.state !== "finished");
      return;
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

function corpusPage() {
  $("#add-form")?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const data = new FormData();
    for (const f of form.elements.picture.files) data.append("picture", f, cleanName(f.name));
    for (const input of form.elements) {
      if (input.name && input.name !== "picture" && input.value.trim()) data.append(input.name, input.value);
    }
    say("add-status", "Adding…");
    try {
      const out = await post("/api/v1/references", data);
      const status = $("#add-status");
      status.replaceChildren(`Added ${out.references.length} reference${out.references.length === 1 ? "" : "s"}: `,
        ...out.references.map((r) => el("a", { href: `/corpus/${r.id}`, text: `#${r.id} ` })));
      form.reset();
    } catch (e) {
      say("add-status", `Error: ${e.message}`, true);
    }
  });
  $("#import-form")?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = ev.target.elements.file.files[0];
    const data = new FormData();
    data.append("file", file, cleanName(file.name));
    try {
      const r = await post("/api/v1/contexts", data);
      say("import-status", `${r.attached} records attached, ${r.external} hash-only references, ${r.unmatched.length} unmatched.`);
    } catch (e) {
      say("import-status", `Error: ${e.message}`, true);
    }
  });
  $("#build-button")?.addEventListener("click", async () => {
    try {
      await post("/api/v1/build", new FormData());
    } catch (e) {
      say("build-status", `Error: ${e.message}`, true);
    }
    pollBuild().catch((e) => say("build-status", `Error: ${e.message}`, true));
  });
}

// ---- desk page -----------------------------------------------------------

function deskPage() {
  const drop = $("#drop");
  $("#pick").addEventListener("change", (ev) => { queryFiles(ev.target.files); ev.target.value = ""; });
  drop.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); $("#pick").click(); }
  });
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    queryFiles(ev.dataTransfer.files);
  });
  document.addEventListener("paste", (ev) => {
    const files = Array.from(ev.clipboardData?.files || []);
    if (files.length) { ev.preventDefault(); queryFiles(files); }
  });
  $("#statement-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    say("check-status", "Checking the statement…");
    try {
      const items = await post("/api/v1/check", statementForm());
      renderVerdicts(items);
      say("check-status", `Done: ${items.length} picture${items.length === 1 ? "" : "s"} checked.`);
    } catch (e) {
      say("check-status", `Error: ${e.message}`, true);
    }
  });
  $("#report-button").addEventListener("click", async () => {
    say("check-status", "Making the report…");
    try {
      const blob = await post("/api/v1/check?format=html", statementForm());
      const a = el("a", { href: URL.createObjectURL(blob), download: "provcheck-report.html" });
      document.body.append(a);
      a.click();
      a.remove();
      say("check-status", "Report downloaded.");
    } catch (e) {
      say("check-status", `Error: ${e.message}`, true);
    }
  });
  const tabs = Array.from(document.querySelectorAll("#compare [role=tab]"));
  for (const tab of tabs) {
    tab.addEventListener("click", () => setMode(tab.dataset.mode));
    // The tablist's keys: the arrows move between views, Home and End to the ends.
    tab.addEventListener("keydown", (ev) => {
      const at = tabs.indexOf(tab);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      next.focus();
      setMode(next.dataset.mode);
    });
  }
  $("#compare-close").addEventListener("click", () => $("#compare").close());
}

if (document.body.dataset.page === "desk") deskPage();
if (document.body.dataset.page === "corpus") corpusPage();
