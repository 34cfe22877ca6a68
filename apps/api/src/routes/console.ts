import { fileURLToPath } from "node:url";
import express, { Router, type Response } from "express";
import { methodNotAllowed } from "../errors.js";

/** The console's files: `apps/api/public` (plain HTML, CSS and JavaScript modules; nothing to build). */
export const CONSOLE_DIR = fileURLToPath(new URL("../../public/", import.meta.url));

/**
 * The console page's Content-Security-Policy: everything from this origin only (no CDN
 * can load), no inline script, audio also from `blob:` (the page fetches audio with the
 * API key, then plays it from memory).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function consoleHeaders(res: Response): void {
  res.set({ "Content-Security-Policy": CONSOLE_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" });
}

/**
 * The web console: `GET /` is the page, `GET /console/*` its scripts and styles
 * (revalidated on every load with ETag, so a deploy shows at once). Public: the page
 * holds no data; what it shows comes from the API with the key typed into it.
 */
export function consoleRouter(): Router {
  const router = Router();
  router
    .route("/")
    .get((_req, res, next) => {
      consoleHeaders(res);
      res.sendFile("index.html", { root: CONSOLE_DIR }, (err) => err && next(err));
    })
    .all(methodNotAllowed(["GET"]));
  router.use("/console", express.static(`${CONSOLE_DIR}console`, { index: false, redirect: false, fallthrough: true, setHeaders: consoleHeaders }));
  return router;
}
