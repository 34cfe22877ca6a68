import { Router } from "express";
import type { VoiceInfo } from "@voxqueue/contracts";
import { methodNotAllowed, redisStep } from "../errors.js";
import type { AppDeps } from "../types.js";

/** `GET /v1/voices`: `{voices: VoiceInfo[]}`, the voices of workers seen within `VOICE_CATALOG_MAX_AGE_SECONDS` (empty before any started). */
export function voicesRouter(deps: Pick<AppDeps, "fleet" | "config">): Router {
  const router = Router();
  router
    .route("/v1/voices")
    .get(async (_req, res) => {
      const voices: VoiceInfo[] = await redisStep("read voice catalog", () => deps.fleet.voices(deps.config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000));
      res.json({ voices });
    })
    .all(methodNotAllowed(["GET"]));
  return router;
}
