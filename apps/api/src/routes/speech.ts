import { randomUUID } from "node:crypto";
import express, { Router, type Response } from "express";
import {
  OPENAI_SPEECH_MODELS,
  SCALE_LIMITS,
  VoxqueueError,
  openAiErrorBody,
  type JobView,
  type OpenAiModel,
  type SpeechRequest,
  type SynthJobData,
} from "@voxqueue/contracts";
import { SERVICE, getTracer } from "@voxqueue/telemetry";
import { assertCanEncode, encodeForResponse, sendAudio } from "../audio-response.js";
import { enqueueJob } from "../enqueue.js";
import { assertConnected, errorHandler, methodNotAllowed, redisStep, requireUtf8 } from "../errors.js";
import { JobEventHub } from "../job-events.js";
import { readJobView } from "../job-reader.js";
import { createSpeechRequestParser } from "../openai/speech-request.js";
import { parseVoiceMap, resolveSpeechVoice } from "../openai/voice-map.js";
import type { QueuePool } from "../queues.js";
import { apiKeyOf } from "../security/caller.js";
import { resolveJobRequest } from "../resolve-request.js";
import { isStreamable, sendWholeAudio, streamJobAudio, type StreamRequest } from "../speech-stream.js";
import { cacheHitDeps, lookUpCache } from "../audio-cache-hit.js";
import type { AppDeps } from "../types.js";
import { waitForView } from "./job-wait.js";

/** `created` of the models `GET /v1/models` lists (seconds since epoch; OpenAI's shape needs one). */
const MODELS_CREATED = 1_735_689_600; // 2025-01-01

/** Header naming the job behind a speech response, so its audio can be fetched again from the jobs API. */
export const JOB_ID_HEADER = "X-Voxqueue-Job-Id";

/** Our field names → OpenAI's `param` names. */
const PARAMS: Record<string, string> = { text: "input", speaker: "voice", length_scale: "speed", body: "body" };

/**
 * OpenAI's text-to-speech API, through voxqueue's queue and workers:
 * `POST /v1/audio/speech` (enqueue one job, wait for it, answer its audio in
 * `response_format`; a repeated request is a job answered from the audio cache) and `GET /v1/models` / `GET /v1/models/:id`. Errors are OpenAI's
 * shape, `{error: {message, type, param, code}}`, with `code` our taxonomy's type.
 */
export function speechRouter(deps: AppDeps, queues: QueuePool): Router {
  const { config } = deps;
  const tracer = deps.tracer ?? getTracer(SERVICE.api);
  const router = Router();
  const parseSpeech = createSpeechRequestParser({ maxInputChars: config.MAX_TEXT_CHARS });
  const voiceMap = parseVoiceMap(config.OPENAI_VOICE_MAP);
  const cacheHit = cacheHitDeps(deps);
  let hub = deps.jobEvents;
  const jobEvents = () => (hub ??= new JobEventHub(queues.all(), deps.redis, deps.logger));
  const parseJson = express.json({ type: () => true, strict: true, limit: config.MAX_BODY_BYTES, verify: requireUtf8 });

  router
    .route("/v1/audio/speech")
    .post(parseJson, async (req, res) => {
      const startedMs = performance.now();
      const speech = parseSpeech(req.body);
      const streaming = speech.stream_format === "sse" || isStreamable(speech.response_format);
      await assertCanEncode(speech.response_format, "response_format", config.FFMPEG_PATH);
      deps.redisSafety?.assertAdmissible(); // before anything is written
      assertConnected(deps.redis);
      const voices = await redisStep("read voice catalog", () => deps.fleet.voices(config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000));
      const choice = resolveSpeechVoice(speech.model, speech.voice, voices, voiceMap);
      const voice = voices.find((v) => v.id === choice.voice);
      if (!voice) throw new VoxqueueError("invalid_input", `this voice maps to "${choice.voice}", which no worker serves (OPENAI_VOICE_MAP)`, "voice");
      // speed 2 = twice as fast = half the voice's length_scale.
      const lengthScale = Math.min(SCALE_LIMITS.length_scale.max, Math.max(SCALE_LIMITS.length_scale.min, voice.defaults.length_scale / speech.speed));
      const owner = apiKeyOf(res);
      const resolved = resolveJobRequest(
        { text: speech.input, voice: voice.id, length_scale: lengthScale, ...(choice.speaker !== undefined ? { speaker: choice.speaker } : {}) },
        voices,
        { defaultVoice: config.DEFAULT_VOICE, now: Date.now() },
      );
      // The job belongs to the caller's API key: the jobs API shows it to that key only.
      const data: Omit<SynthJobData, "trace"> = { ...resolved, ...(owner !== undefined ? { owner } : {}), ...(streaming ? { stream: true } : {}) };
      let id: string = queues.newJobId(voice.id, randomUUID());
      const streamRequest = (): StreamRequest => ({
        jobId: id,
        format: speech.response_format,
        framing: speech.stream_format,
        route: "/v1/audio/speech",
        startedMs,
        deadlineMs: startedMs + config.SPEECH_TIMEOUT_SECONDS * 1000,
        readView: () => readJobView({ ...deps, queues }, id, res),
        inputChars: speech.input.length,
      });
      if (cacheHit.cache.enabled) {
        const looked = await lookUpCache({ ...cacheHit, tracer, metrics: deps.metrics }, data, id, owner);
        if (looked.hit) {
          // A job like any other (the jobs API reads it), answered without the queue or its events.
          deps.logger.info({ job_id: id, voice: data.voice, cache: "hit" }, "speech answered from the audio cache");
          res.set(JOB_ID_HEADER, id);
          if (streaming) return sendWholeAudio(deps, streamRequest(), res);
          return sendStored(id, speech, res);
        }
        data.cache_key = looked.key;
      }
      id = await enqueueJob(deps, queues, tracer, data, { res, id });
      res.set(JOB_ID_HEADER, id);
      if (!streaming) return answerWhole(id, speech, res);
      await streamJobAudio(deps, streamRequest(), res);
    })
    .all(methodNotAllowed(["POST"]));

  /** Waits for the job, then answers its whole audio in the requested format. */
  async function answerWhole(id: string, speech: SpeechRequest, res: Response): Promise<void> {
    const view = await waitForView(jobEvents(), id, config.SPEECH_TIMEOUT_SECONDS, (jobId) => readJobView({ ...deps, queues }, jobId, res), res);
    if (res.destroyed) return; // the client left: the job goes on, its audio stays fetchable
    assertSucceeded(view);
    await sendStored(id, speech, res);
  }

  /** Answers a completed job's stored audio, whole, in the requested format. */
  async function sendStored(id: string, speech: SpeechRequest, res: Response): Promise<void> {
    const wav = await redisStep("read audio", () => deps.audioStore.get(id));
    if (!wav) throw new VoxqueueError("expired", `the audio of job ${id} has expired`);
    sendAudio(res, await encodeForResponse(wav, speech.response_format, "response_format", config.FFMPEG_PATH), speech.response_format, id);
  }

  /** Throws the job's own error (a failed job), or a 504 while it is still queued or running. */
  function assertSucceeded(view: JobView): void {
    if (view.status === "completed") return;
    if (view.status === "failed") {
      const error = view.error ?? { type: "internal" as const, message: "synthesis failed" };
      throw new VoxqueueError(error.type, `job ${view.id} failed: ${error.message}`, error.type === "invalid_input" ? "input" : undefined);
    }
    throw new VoxqueueError("timeout", `job ${view.id} did not finish within ${config.SPEECH_TIMEOUT_SECONDS} s; it goes on: GET /v1/jobs/${view.id}/audio`);
  }

  const models: OpenAiModel[] = Object.keys(OPENAI_SPEECH_MODELS).map((id) => ({ id, object: "model", created: MODELS_CREATED, owned_by: "voxqueue" }));
  router
    .route("/v1/models")
    .get((_req, res) => {
      res.json({ object: "list", data: models });
    })
    .all(methodNotAllowed(["GET"]));
  router
    .route("/v1/models/:id")
    .get((req, res) => {
      const model = models.find((m) => m.id === req.params.id);
      if (!model) throw new VoxqueueError("not_found", "no such model (GET /v1/models lists them)", "model");
      res.json(model);
    })
    .all(methodNotAllowed(["GET"]));

  router.use(
    ["/v1/audio", "/v1/models"],
    errorHandler({
      logger: deps.logger,
      metrics: deps.metrics,
      maxBodyBytes: config.MAX_BODY_BYTES,
      toBody: (err) => openAiErrorBody(err.type, err.message, err.field === undefined ? undefined : (PARAMS[err.field] ?? err.field)),
    }),
  );
  return router;
}
