// @ts-check
/** The Job panel: follows one job through queued → active → completed and plays its audio. */
import { ApiError, getJson, request } from "./api.js";

/** Delay between two reads of a job that is not finished, ms (grows to the maximum while it waits). */
const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 1000;

const STEPS = ["queued", "active", "completed"];

/** @param {string} id */
function el(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`console page has no #${id}`);
  return node;
}

/** @param {number | undefined} s */
function seconds(s) {
  return s === undefined ? "–" : `${s.toFixed(s < 10 ? 3 : 1)} s`;
}

/** @param {string | undefined} from @param {string | undefined} to */
function between(from, to) {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined;
}

/**
 * The panel's controller. `watch(id, format)` follows a job (a newer call stops the
 * older one); `onFinished` is called once per job that completes or fails.
 * @param {{ onFinished?: (job: any) => void }} [hooks]
 */
export function createJobPanel(hooks = {}) {
  const status = el("job-status");
  const steps = /** @type {HTMLOListElement} */ (el("job-steps"));
  const result = el("job-result");
  const player = /** @type {HTMLAudioElement} */ (el("player"));
  const download = /** @type {HTMLAnchorElement} */ (el("download"));
  const timings = el("job-timings");
  let generation = 0;
  /** @type {string | null} */
  let objectUrl = null;

  /** @param {string} text @param {boolean} [failed] */
  function say(text, failed = false) {
    status.textContent = text;
    status.classList.toggle("failed", failed);
  }

  /**
   * Marks `state` (and every step before it) reached; `state` itself was seen (`data-seen`:
   * the API answered it), and is the current step unless the job failed.
   * @param {string} state
   */
  function reach(state, failed = false) {
    const index = STEPS.indexOf(state);
    for (const li of steps.querySelectorAll("li")) {
      const i = STEPS.indexOf(li.dataset.step ?? "");
      li.toggleAttribute("data-current", i === index && !failed);
      if (i === index && !failed) li.setAttribute("data-seen", "");
      if (i <= index) li.setAttribute("data-reached", "");
      if (failed && li.dataset.step === "completed") li.setAttribute("data-failed", "");
    }
  }

  function reset() {
    for (const li of steps.querySelectorAll("li")) {
      li.removeAttribute("data-reached");
      li.removeAttribute("data-current");
      li.removeAttribute("data-failed");
      li.removeAttribute("data-seen");
    }
    result.hidden = true;
    player.removeAttribute("src");
    player.load();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
  }

  /** @param {any} job */
  function showTimings(job) {
    const r = job.result ?? {};
    /** @type {[string, string][]} */
    const rows = [
      ["voice", r.speaker === null || r.speaker === undefined ? r.voice : `${r.voice} (speaker ${r.speaker})`],
      ["audio", seconds(r.audio_duration_s)],
      ["synthesis", seconds(r.synthesis_s)],
      ["RTF", r.rtf === undefined ? "–" : r.rtf.toFixed(3)],
      ["waited in queue", seconds(between(job.created_at, job.started_at))],
      ["submit → finish", seconds(between(job.created_at, job.finished_at))],
      ["sample rate", r.sample_rate ? `${r.sample_rate} Hz` : "–"],
      ["attempts", String(job.attempts ?? "–")],
    ];
    timings.replaceChildren(
      ...rows.flatMap(([k, v]) => {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        dd.dataset.timing = k;
        return [dt, dd];
      }),
    );
  }

  /**
   * Fetches the audio (with the key; an `<audio src>` cannot send one) and plays it from a blob: URL.
   * Raw PCM has no header a browser could play: it is offered for download only.
   * @param {any} job @param {string} format
   */
  async function loadAudio(job, format) {
    const query = format === "wav" ? "" : `?format=${encodeURIComponent(format)}`;
    const res = await request(`${job.links.audio}${query}`);
    const blob = await res.blob();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(blob);
    if (format === "pcm") player.removeAttribute("src");
    else player.src = objectUrl;
    player.hidden = format === "pcm";
    download.href = objectUrl;
    download.download = `${job.id}.${format}`;
    download.textContent = `Download ${format.toUpperCase()} (${(blob.size / 1024).toFixed(1)} KiB)`;
    result.hidden = false;
  }

  /**
   * Follows job `id` until it finishes, then shows its audio in `format`.
   * @param {string} id @param {string} format @param {string} [initialStatus]
   */
  async function watch(id, format, initialStatus) {
    const mine = ++generation;
    reset();
    const short = id.slice(0, 8);
    if (initialStatus) {
      reach(initialStatus);
      say(`Job ${short} is ${initialStatus}.`);
    }
    let delay = POLL_FIRST_MS;
    let last = initialStatus;
    for (;;) {
      /** @type {any} */
      let job;
      try {
        job = await getJson(`/v1/jobs/${encodeURIComponent(id)}`);
      } catch (err) {
        if (mine !== generation) return;
        const e = /** @type {ApiError} */ (err);
        if (e.status === 503 || e.status === 0) {
          say(`Job ${short}: the API is unavailable (${e.message}); retrying.`);
          await new Promise((r) => setTimeout(r, POLL_MAX_MS));
          continue;
        }
        say(`Job ${short}: ${e.message}`, true);
        return;
      }
      if (mine !== generation) return;
      if (job.status !== last) {
        last = job.status;
        if (job.status === "failed") {
          reach("active", true);
          say(`Job ${short} failed: ${job.error?.type ?? "error"}: ${job.error?.message ?? ""}`, true);
          hooks.onFinished?.(job);
          return;
        }
        reach(job.status);
        say(job.status === "completed" ? `Job ${short} completed: RTF ${job.result?.rtf?.toFixed(3)}; loading its audio.` : `Job ${short} is ${job.status}.`);
      }
      if (job.status === "completed") {
        showTimings(job);
        try {
          await loadAudio(job, format);
          if (mine === generation)
            say(`Job ${short} completed: ${seconds(job.result?.audio_duration_s)} of audio, RTF ${job.result?.rtf?.toFixed(3)}. Ready to play.`);
        } catch (err) {
          if (mine === generation) say(`Job ${short} completed, but its audio could not be loaded: ${/** @type {Error} */ (err).message}`, true);
        }
        hooks.onFinished?.(job);
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, POLL_MAX_MS);
    }
  }

  player.addEventListener("error", () => {
    if (player.getAttribute("src")) say("This browser cannot play the audio in this format; download it instead.", true);
  });

  return { watch, say, reset };
}
