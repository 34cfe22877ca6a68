// @ts-check
/** The console page: voices, the job form, recent jobs and live charts, wired to the API. */
import { ApiError, getJson, postJson, saveKey, savedKey } from "./api.js";
import { createChart } from "./charts.js";
import { createJobPanel } from "./job.js";

/** Audio formats offered (`GET /v1/jobs/:id/audio?format=`): value, label. */
/** @type {[string, string][]} */
const FORMATS = [
  ["wav", "WAV"],
  ["mp3", "MP3"],
  ["opus", "Opus (Ogg)"],
  ["flac", "FLAC"],
  ["aac", "AAC"],
  ["pcm", "PCM, raw 16-bit (download only)"],
];
/** Newest jobs shown, and how often the list and the charts refresh (ms). */
const RECENT_LIMIT = 10;
const RECENT_EVERY_MS = 5000;
const STATS_EVERY_MS = 2000;

/** @template {HTMLElement} T @param {string} id @returns {T} */
function el(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`console page has no #${id}`);
  return /** @type {T} */ (node);
}

const keyForm = el("key-form");
const keyInput = /** @type {HTMLInputElement} */ (el("api-key"));
const form = /** @type {HTMLFormElement} */ (el("job-form"));
const text = /** @type {HTMLTextAreaElement} */ (el("text"));
const voiceSelect = /** @type {HTMLSelectElement} */ (el("voice"));
const speakerSelect = /** @type {HTMLSelectElement} */ (el("speaker"));
const formatSelect = /** @type {HTMLSelectElement} */ (el("format"));
const submit = /** @type {HTMLButtonElement} */ (el("submit"));
const formError = el("form-error");
const recentBody = /** @type {HTMLTableSectionElement} */ (el("recent-table").querySelector("tbody"));
const recentStatus = el("recent-status");

/** @type {any[]} */
let voices = [];

/** Shows an API error by the form; focuses the field it names. @param {unknown} err */
function showError(err) {
  const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err), undefined);
  if (e.status === 401 || e.status === 403) {
    formError.textContent = `${e.message} — enter a valid API key above.`;
    keyInput.focus();
    return;
  }
  formError.textContent = e.field ? `${e.field}: ${e.message}` : e.message;
  /** @type {Record<string, HTMLElement>} */
  const fields = { text, voice: voiceSelect, speaker: speakerSelect, format: formatSelect };
  if (e.field && fields[e.field]) fields[e.field]?.focus();
}

/** @param {HTMLSelectElement} select @param {[string, string][]} options value, label */
function fill(select, options) {
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = label;
      return o;
    }),
  );
}

function fillSpeakers() {
  const voice = voices.find((v) => v.id === voiceSelect.value);
  const n = voice?.num_speakers ?? 1;
  if (n <= 1) {
    fill(speakerSelect, [["", "the voice's only speaker"]]);
    speakerSelect.disabled = true;
    return;
  }
  const names = Array.isArray(voice.speakers) && voice.speakers.length ? voice.speakers : Array.from({ length: n }, (_, i) => String(i));
  fill(
    speakerSelect,
    names.map((/** @type {string} */ s) => [s, s]),
  );
  speakerSelect.disabled = false;
}

async function loadVoices() {
  try {
    voices = (await getJson("/v1/voices")).voices ?? [];
  } catch (err) {
    voices = [];
    showError(err);
  }
  const previous = voiceSelect.value;
  fill(
    voiceSelect,
    voices.map((v) => [v.id, `${v.id}${v.reference ? " (reference: noise)" : ""} · ${v.language} · ${v.sample_rate} Hz`]),
  );
  if (voices.some((v) => v.id === previous)) voiceSelect.value = previous;
  if (voices.length === 0) {
    fill(voiceSelect, [["", "no voices: no worker has been seen yet"]]);
    submit.disabled = true;
  } else {
    submit.disabled = false;
  }
  fillSpeakers();
}

/** @param {string | undefined} iso */
function timeOf(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "–";
}

/** @param {any} job */
function recentRow(job) {
  const tr = document.createElement("tr");
  tr.dataset.jobId = job.id;
  /** @param {string} value @param {string} [cls] */
  const cell = (value, cls) => {
    const td = document.createElement("td");
    td.textContent = value;
    if (cls) td.className = cls;
    tr.append(td);
    return td;
  };
  const created = cell(timeOf(job.created_at));
  created.title = job.created_at;
  const state = cell("");
  const badge = document.createElement("span");
  badge.className = `badge ${job.status}`;
  badge.textContent = job.status;
  if (job.error) badge.title = `${job.error.type}: ${job.error.message}`;
  state.append(badge);
  cell(job.speaker === null || job.speaker === undefined ? job.voice : `${job.voice} / ${job.speaker}`);
  cell(job.text_preview ?? "", "text");
  cell(job.result ? job.result.audio_duration_s.toFixed(2) : "–", "num");
  cell(job.result ? job.result.rtf.toFixed(3) : "–", "num");
  const actions = cell("");
  const open = document.createElement("button");
  open.type = "button";
  open.className = "secondary";
  open.textContent = "Open";
  open.setAttribute("aria-label", `Open job ${job.id.slice(0, 8)} (${job.status})`);
  open.addEventListener("click", () => {
    void panel.watch(job.id, formatSelect.value || "wav", job.status);
    el("job-status").scrollIntoView({ block: "nearest" });
  });
  actions.append(open);
  return tr;
}

async function loadRecent() {
  try {
    const { jobs } = await getJson(`/v1/jobs?limit=${RECENT_LIMIT}`);
    recentBody.replaceChildren(...jobs.map(recentRow));
    recentStatus.textContent = jobs.length ? "" : "No jobs yet.";
  } catch (err) {
    recentStatus.textContent = `Recent jobs unavailable: ${/** @type {Error} */ (err).message}`;
  }
}

const panel = createJobPanel({ onFinished: () => void loadRecent() });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  formError.textContent = "";
  if (!text.value.trim()) {
    showError(new ApiError(400, "invalid_input", "type some text first", "text"));
    return;
  }
  /** @type {Record<string, unknown>} */
  const body = { text: text.value, voice: voiceSelect.value };
  if (!speakerSelect.disabled && speakerSelect.value !== "") body.speaker = speakerSelect.value;
  submit.disabled = true;
  try {
    const accepted = await postJson("/v1/jobs", body);
    void loadRecent();
    void panel.watch(accepted.id, formatSelect.value || "wav", accepted.status);
  } catch (err) {
    showError(err);
    panel.say(`Not submitted: ${/** @type {Error} */ (err).message}`, true);
  } finally {
    submit.disabled = voices.length === 0;
  }
});

text.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});
voiceSelect.addEventListener("change", fillSpeakers);

keyInput.value = savedKey();
keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  saveKey(keyInput.value.trim());
  formError.textContent = "";
  void refreshAll();
});
el("key-forget").addEventListener("click", () => {
  keyInput.value = "";
  saveKey("");
  void refreshAll();
});

fill(formatSelect, FORMATS);

const charts = {
  queue: createChart(el("chart-queue"), { title: "Queue length (jobs waiting)", format: (v) => `${v} jobs`, minTop: 5 }),
  rtf: createChart(el("chart-rtf"), { title: "RTF (5 min)", format: (v) => v.toFixed(3), minTop: 0.1 }),
  latency: createChart(el("chart-latency"), { title: "p95 latency, submit → finish (5 min)", format: (v) => `${v.toFixed(2)} s`, minTop: 1 }),
};

async function sampleStats() {
  if (document.hidden) return;
  try {
    const stats = await getJson("/v1/stats");
    charts.queue.push(stats.queue_length);
    charts.rtf.push(stats.recent.rtf);
    charts.latency.push(stats.recent.latency_p95_seconds);
  } catch {
    charts.queue.push(null);
    charts.rtf.push(null);
    charts.latency.push(null);
  }
}

async function refreshAll() {
  await Promise.all([loadVoices(), loadRecent(), sampleStats()]);
}

void refreshAll().then(() => document.body.setAttribute("data-ready", ""));
setInterval(() => void sampleStats(), STATS_EVERY_MS);
setInterval(() => {
  if (!document.hidden) void loadRecent();
}, RECENT_EVERY_MS);
// A worker that starts later brings its voices: look again while there are none.
setInterval(() => {
  if (voices.length === 0) void loadVoices();
}, RECENT_EVERY_MS);
