import type { Response } from "express";
import { VoxqueueError, type JobView } from "@voxqueue/contracts";
import type { JobEventHub } from "../job-events.js";

/** Longest `?wait=` a client may ask for, seconds. */
export const MAX_WAIT_SECONDS = 60;

/** Seconds between comment lines on an idle event stream (proxies close silent connections). */
export const EVENTS_KEEPALIVE_SECONDS = 15;

const finished = (v: JobView) => v.status === "completed" || v.status === "failed";

/**
 * The `wait` query parameter of `GET /v1/jobs/:id`: absent → null (answer at once);
 * else seconds, 0 < wait ≤ {@link MAX_WAIT_SECONDS}, fractions allowed.
 * @throws VoxqueueError `invalid_input` naming `wait`
 */
export function parseWait(raw: unknown): number | null {
  if (raw === undefined) return null;
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > MAX_WAIT_SECONDS) {
    throw new VoxqueueError("invalid_input", `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`, "wait");
  }
  return n;
}

/**
 * A long poll: the job's view as soon as it is completed or failed, or when `seconds`
 * have passed (then whatever its status is), or when the client goes away. The event
 * subscription comes before the first read, so an end between the two is not missed.
 */
export async function waitForView(hub: JobEventHub, id: string, seconds: number, viewOf: (id: string) => Promise<JobView>, res: Response): Promise<JobView> {
  await hub.ready();
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const unsubscribe = hub.subscribe(id, (event) => {
    if (event === "completed" || event === "failed" || event === "closing") wake();
  });
  const timer = setTimeout(wake, seconds * 1000);
  res.once("close", wake);
  try {
    const view = await viewOf(id);
    if (finished(view) || seconds === 0) return view;
    await woken;
    return await viewOf(id);
  } finally {
    clearTimeout(timer);
    unsubscribe();
    res.off("close", wake);
  }
}

/**
 * `GET /v1/jobs/:id/events`: a server-sent event stream of the job's view, one
 * `event: status` with the view as JSON data at once and then on each change of status
 * (or attempt), ending after completed or failed. A comment line every
 * {@link EVENTS_KEEPALIVE_SECONDS} keeps idle connections open through proxies.
 * @throws VoxqueueError `not_found` before the stream starts, for an unknown job
 */
export async function streamJobEvents(hub: JobEventHub, id: string, viewOf: (id: string) => Promise<JobView>, res: Response): Promise<void> {
  await hub.ready();
  const pending: (string | "closing")[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = hub.subscribe(id, (event) => {
    pending.push(event);
    wake?.();
  });
  let open = true;
  const onClose = () => {
    open = false;
    wake?.();
  };
  res.once("close", onClose); // the client went away (req's "close" fires once its body is read)
  try {
    let view = await viewOf(id); // a 404 here is still a JSON error: nothing written yet
    res.status(200).set({
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    let seq = 0;
    let last = "";
    const send = (v: JobView) => {
      const key = `${v.status}/${v.attempts ?? 0}`;
      if (key === last) return;
      last = key;
      res.write(`id: ${++seq}\nevent: status\ndata: ${JSON.stringify(v)}\n\n`);
    };
    send(view);
    const keepalive = setInterval(() => res.write(": keep-alive\n\n"), EVENTS_KEEPALIVE_SECONDS * 1000);
    try {
      while (open && !finished(view)) {
        if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (!open || pending.includes("closing")) break;
        pending.length = 0;
        view = await viewOf(id).catch(() => view);
        send(view);
      }
    } finally {
      clearInterval(keepalive);
    }
    res.end();
  } finally {
    unsubscribe();
    res.off("close", onClose);
  }
}
