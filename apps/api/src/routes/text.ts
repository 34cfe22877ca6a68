import express, { Router } from "express";
import { VoxqueueError, createTextPreviewRequestSchema, type TextPreview } from "@voxqueue/contracts";
import { EspeakCrashError, EspeakError, EspeakNotFoundError, SsmlError, readText } from "@voxqueue/synth";
import { assertConnected, methodNotAllowed, redisStep, requireUtf8, serviceUnavailable } from "../errors.js";
import { createBodyParser, pickVoice } from "../resolve-request.js";
import type { AppDeps } from "../types.js";
import { requireJsonBody } from "./jobs.js";

/**
 * `POST /v1/text/preview` `{text, voice?, text_normalization?}` → {@link TextPreview}: how a job
 * would read the text (sentences as written and as said, espeak phonemes), without synthesis.
 *
 * The API phonemizes in its own process with the workers' front end and libespeak-ng (the one
 * image carries it): a preview is a few milliseconds of espeak, not worth a round trip through
 * a worker. The voice is resolved as for a job; its espeak voice and `phoneme_type` come from
 * the voice catalog (workers publish them). Without libespeak-ng the answer is a 503 that says
 * what to install.
 */
export function textRouter(deps: Pick<AppDeps, "config" | "fleet" | "redis">): Router {
  const router = Router();
  const parse = createBodyParser(createTextPreviewRequestSchema({ maxTextChars: deps.config.MAX_TEXT_CHARS }));
  const parseJson = express.json({ type: "application/json", strict: true, limit: deps.config.MAX_BODY_BYTES, verify: requireUtf8 });
  router
    .route("/v1/text/preview")
    .post(requireJsonBody, parseJson, async (req, res) => {
      const request = parse(req.body);
      assertConnected(deps.redis);
      const voices = await redisStep("read voice catalog", () => deps.fleet.voices(deps.config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000));
      if (voices.length === 0) throw serviceUnavailable("no voices are installed yet (no worker has started); retry later");
      const voice = pickVoice(request.voice, voices, deps.config.DEFAULT_VOICE);
      const mode = request.text_normalization ?? "standard";
      let segments;
      try {
        segments = readText(
          request.text,
          { espeakVoice: voice.espeak_voice ?? voice.language.toLowerCase().replace("_", "-"), languageCode: voice.language, phonemeType: voice.phoneme_type },
          mode,
          request.text_type,
        );
      } catch (err) {
        if (err instanceof EspeakNotFoundError) throw serviceUnavailable(`text preview needs libespeak-ng on the API host: ${err.message}`, err);
        if (err instanceof SsmlError || err instanceof EspeakCrashError) throw new VoxqueueError("invalid_input", err.message, "text");
        if (err instanceof EspeakError) throw new VoxqueueError("invalid_input", `voice "${voice.id}": ${err.message}`, "voice");
        throw err;
      }
      const sentences = segments.map((s) => ({ text: s.text, spoken: s.spoken, phonemes: s.phonemes.map((p) => p.join("")).join(" ") }));
      const preview: TextPreview = { voice: voice.id, text_normalization: mode, spoken: sentences.map((s) => s.spoken).join(" "), sentences };
      res.json(preview);
    })
    .all(methodNotAllowed(["POST"]));
  return router;
}
