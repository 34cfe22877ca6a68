import { randomUUID } from "node:crypto";
import express, { Router, type RequestHandler, type Response } from "express";
import type { Job } from "bullmq";
import { VoxqueueError, jobLinks, parseJobFailure, webhookQueueName, type JobAccepted, type SynthJobData } from "@voxqueue/contracts";
import { jobBodyLimitBytes } from "@voxqueue/config";
import { SERVICE, getTracer } from "@voxqueue/telemetry";
import { enqueueJob } from "../enqueue.js";
import { queueOfJob, readJobView } from "../job-reader.js";
import { assertCanEncode, encodeForResponse, parseAudioFormat, requestedFormat, sendAudio, sendStoredWav } from "../audio-response.js";
import { streamJobAudio } from "../speech-stream.js";
import { CAPTION_FORMATS, captions, type CaptionFormat } from "../captions.js";
import { assertConnected, methodNotAllowed, redisStep, requireUtf8 } from "../errors.js";
import { listRecentJobs, parseListLimit } from "../job-list.js";
import { cacheHitDeps, lookUpCache } from "../audio-cache-hit.js";
import { JobEventHub } from "../job-events.js";
import type { QueuePool } from "../queues.js";
import { assertAudioEstimateWithin } from "../audio-estimate.js";
import { longformChunks } from "../longform.js";
import { createJobRequestParser, resolveJobRequest } from "../resolve-request.js";
import { apiKeyOf, ownerScope } from "../security/caller.js";
import { IDEMPOTENCY_HEADER, Idempotency, fingerprintOf } from "../security/idempotency.js";
import type { AppDeps } from "../types.js";
import { checkWebhookUrl } from "../webhooks.js";
import { parseWait, streamJobEvents, waitForView } from "./job-wait.js";

/** Set on the 200 that answers a retried submit with the job its Idempotency-Key named. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** Seconds a client polling for audio of a queued or active job is told to wait. */
export const NOT_READY_RETRY_AFTER_SECONDS = 2;

/** 415 unless the body is JSON; an empty or missing body is a 400 naming `body`. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const kind = req.is("application/json"); // null when there is no body at all
  if (kind) next();
  else if (kind === null || req.headers["content-length"] === "0") next(new VoxqueueError("invalid_input", "request body is required (a JSON object)", "body"));
  else next(new VoxqueueError("unsupported_media_type", "Content-Type must be application/json"));
};

/**
 * `POST /v1/jobs` (validate, resolve against the voice catalog, enqueue one job),
 * `GET /v1/jobs?limit=N` (the newest jobs, `listRecentJobs`),
 * `GET /v1/jobs/:id` (its {@link JobView}; with `?wait=SECONDS` a long poll until it ends),
 * `GET /v1/jobs/:id/events` (its state changes as server-sent events) and
 * `GET /v1/jobs/:id/audio` (its WAV, or the format `?format=` or `Accept` asks for).
 */
export function jobsRouter(deps: AppDeps, queues: QueuePool): Router {
  const { config, logger } = deps;
  const tracer = deps.tracer ?? getTracer(SERVICE.api);
  const router = Router();
  const idempotency = new Idempotency(deps.redis, config.IDEMPOTENCY_TTL_SECONDS);
  // Texts over MAX_TEXT_CHARS, up to MAX_LONGFORM_CHARS, are long-form jobs.
  const parseRequest = createJobRequestParser({ maxTextChars: Math.max(config.MAX_TEXT_CHARS, config.MAX_LONGFORM_CHARS) });
  // One event subscriber per app (per API process), made on the first request that waits.
  const cacheHit = cacheHitDeps(deps);
  const cache = cacheHit.cache;
  let hub = deps.jobEvents;
  const jobEvents = () => (hub ??= new JobEventHub(queues.all(), deps.redis, logger));
  const parseJson = express.json({ type: "application/json", strict: true, limit: jobBodyLimitBytes(config), verify: requireUtf8 });

  // Jobs submitted with a webhook_url show their delivery, read from the webhook queue.
  const webhookQueue = () => queues.webhooks(webhookQueueName(config.QUEUE_NAME));
  const viewOf = (id: string, res: Response) => readJobView({ ...deps, queues }, id, res, webhookQueue);

  router
    .route("/v1/jobs")
    .post(requireJsonBody, parseJson, async (req, res) => {
      const request = parseRequest(req.body);
      const idempotencyKey = Idempotency.keyOf(req);
      if (request.webhook_url !== undefined) await checkWebhookUrl(request.webhook_url, config);
      // Before anything is written: never a 202 for a job Redis may evict or cannot store.
      deps.redisSafety?.assertAdmissible();
      assertConnected(deps.redis);
      // The voice first: the job id names its pool (`QueuePool.newJobId`).
      const voices = await redisStep("read voice catalog", () => deps.fleet.voices(deps.config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000));
      const owner = apiKeyOf(res);
      const resolved = {
        ...resolveJobRequest(request, voices, { defaultVoice: config.DEFAULT_VOICE, now: Date.now() }),
        ...(owner !== undefined ? { owner } : {}),
      };
      let id: string = queues.newJobId(resolved.voice, randomUUID());
      const claim: { id: string; fingerprint: string } | null = idempotencyKey === null ? null : { id, fingerprint: fingerprintOf(request) };
      if (idempotencyKey !== null && claim) {
        const found = await idempotency.claim(ownerScope(res), idempotencyKey, claim.fingerprint, id);
        if (!found.first) {
          const job = await redisStep("read job", async () => (await queueOfJob(deps.redis, queues, found.id)).getJob(found.id));
          if (job) {
            const links = jobLinks(found.id);
            res
              .status(200)
              .location(links.self)
              .set(REPLAYED_HEADER, "true")
              .json({ id: found.id, status: found.status, links } satisfies JobAccepted);
            return;
          }
          // The first request's add failed or is still running: add the job now (BullMQ adds a job id once),
          // on the queue its id names, which is its voice's unless the default voice moved to another pool since.
          if (queues.forJob(found.id) !== queues.forVoice(resolved.voice)) {
            throw new VoxqueueError(
              "idempotency_conflict",
              `this ${IDEMPOTENCY_HEADER} was used for a job of another voice pool (the default voice changed since); use a new key`,
              IDEMPOTENCY_HEADER,
            );
          }
          id = claim.id = found.id;
        }
      }
      /** Answers `status` (202) and remembers it for retries with the same Idempotency-Key. */
      const accepted = async (status: JobAccepted["status"]) => {
        if (idempotencyKey !== null && claim) await idempotency.answered(ownerScope(res), idempotencyKey, claim, status);
        const links = jobLinks(id);
        res
          .status(202)
          .location(links.self)
          .json({ id, status, links } satisfies JobAccepted);
      };
      const chunks = await longformChunks(
        resolved,
        voices.find((v) => v.id === resolved.voice)!,
        config,
      );
      if (!chunks) assertAudioEstimateWithin([...resolved.text].length, resolved.length_scale, config.MAX_AUDIO_SECONDS);
      // A job with a webhook runs through the queue: its outcome event comes from there.
      if (cache.enabled && request.webhook_url === undefined && !chunks) {
        const looked = await lookUpCache({ ...cacheHit, tracer, metrics: deps.metrics }, resolved, id, owner);
        if (looked.hit) {
          logger.info({ job_id: id, voice: resolved.voice, cache: "hit" }, "job answered from the audio cache");
          await accepted("completed");
          return;
        }
        resolved.cache_key = looked.key;
      }
      await enqueueJob(deps, queues, tracer, resolved, { priority: request.priority, lane: request.lane, res, id, webhookUrl: request.webhook_url, chunks });
      await accepted("queued");
    })
    .get(async (req, res) => {
      const limit = parseListLimit(req.query.limit);
      assertConnected(deps.redis);
      // With keys, a key sees its own jobs only (as GET /v1/jobs/:id).
      const owner = apiKeyOf(res);
      const include = deps.keys ? (job: Job<SynthJobData>) => job.data.owner === owner : undefined;
      res
        .set("Cache-Control", "no-store")
        .json(await redisStep("list jobs", () => listRecentJobs(queues.all(), limit, { logger, ...(include ? { include } : {}) })));
    })
    .all(methodNotAllowed(["GET", "POST"]));

  router
    .route("/v1/jobs/:id")
    .get(async (req, res) => {
      const wait = parseWait(req.query.wait);
      res.json(wait === null ? await viewOf(req.params.id, res) : await waitForView(jobEvents(), req.params.id, wait, (id) => viewOf(id, res), res));
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/v1/jobs/:id/events")
    .get(async (req, res) => {
      await streamJobEvents(jobEvents(), req.params.id, (id) => viewOf(id, res), res);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/v1/jobs/:id/audio")
    .get(async (req, res) => {
      const id = req.params.id;
      // A bad format, or one this host cannot encode, is a 400 before any look-up.
      const format = requestedFormat(req);
      await assertCanEncode(format, "format", config.FFMPEG_PATH);
      const view = await viewOf(id, res);
      if (view.status === "queued" || view.status === "active") {
        res.set("Retry-After", String(NOT_READY_RETRY_AFTER_SECONDS));
        throw new VoxqueueError("not_ready", `job ${id} is ${view.status}; its audio is not ready yet`);
      }
      if (view.status === "failed") {
        // 410, no Retry-After: a failed job never gets audio (409 would invite polling forever).
        const failure = view.error ?? parseJobFailure(undefined);
        throw new VoxqueueError("job_failed", `job ${id} failed and has no audio (${failure.type}: ${failure.message})`);
      }
      if (format === "wav") {
        if (!(await sendStoredWav(res, deps.audioStore, id, (read) => redisStep("read audio", read))))
          throw new VoxqueueError("expired", `the audio of job ${id} has expired`);
        return;
      }
      const wav = await redisStep("read audio", () => deps.audioStore.get(id));
      if (!wav) throw new VoxqueueError("expired", `the audio of job ${id} has expired`);
      sendAudio(res, await encodeForResponse(wav, format, "format", config.FFMPEG_PATH), format, id);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/v1/jobs/:id/audio/stream")
    .get(async (req, res) => {
      const startedMs = performance.now();
      const id = req.params.id;
      const format = req.query.format === undefined ? "mp3" : parseAudioFormat(req.query.format, "format");
      await assertCanEncode(format, "format", config.FFMPEG_PATH);
      const view = await viewOf(id, res);
      if (view.status === "failed") {
        const failure = view.error ?? parseJobFailure(undefined);
        throw new VoxqueueError("job_failed", `job ${id} failed and has no audio (${failure.type}: ${failure.message})`);
      }
      const route = "/v1/jobs/:id/audio/stream";
      const deadlineMs = startedMs + config.SPEECH_TIMEOUT_SECONDS * 1000;
      await streamJobAudio(deps, { jobId: id, format, framing: "audio", route, startedMs, deadlineMs, readView: () => viewOf(id, res) }, res);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/v1/jobs/:id/captions")
    .get(async (req, res) => {
      const id = req.params.id;
      const format = req.query.format ?? "vtt";
      if (typeof format !== "string" || !(CAPTION_FORMATS as readonly string[]).includes(format)) {
        throw new VoxqueueError("invalid_input", `format must be one of: ${CAPTION_FORMATS.join(", ")}`, "format");
      }
      const view = await viewOf(id, res);
      if (view.status === "queued" || view.status === "active") {
        res.set("Retry-After", String(NOT_READY_RETRY_AFTER_SECONDS));
        throw new VoxqueueError("not_ready", `job ${id} is ${view.status}; its captions are not ready yet`);
      }
      if (view.status === "failed") throw new VoxqueueError("job_failed", `job ${id} failed and has no captions`);
      if (!view.result?.words) {
        throw new VoxqueueError(
          "not_found",
          `job ${id} has no word timings: its voice's model has no phoneme durations output (or it used text_normalization piper)`,
        );
      }
      res.type(format === "vtt" ? "text/vtt" : "application/x-subrip").send(captions(view.result.words, format as CaptionFormat));
    })
    .all(methodNotAllowed(["GET"]));

  return router;
}
