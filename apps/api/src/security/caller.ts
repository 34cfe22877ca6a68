import type { Response } from "express";

/** What the API knows about who sent a request, kept in `res.locals` for its routes and its log line. */
interface CallerLocals {
  /** Name of the request's API key; undefined when the API runs open. */
  apiKey?: string;
  /** The request's id (`X-Request-Id`). */
  requestId?: string;
}

const locals = (res: Response) => res.locals as CallerLocals;

/** Name of the API key that sent the request (never the key); undefined when the API runs open. */
export function apiKeyOf(res: Response): string | undefined {
  return locals(res).apiKey;
}

export function setApiKey(res: Response, name: string): void {
  locals(res).apiKey = name;
}

/** The request's id, once `requestIds` ran. */
export function requestIdOf(res: Response): string | undefined {
  return locals(res).requestId;
}

export function setRequestId(res: Response, id: string): void {
  locals(res).requestId = id;
}

/** Scope of per-key state in Redis (idempotency keys, limits): the key's name, `-` when the API runs open. */
export function ownerScope(res: Response): string {
  return apiKeyOf(res) ?? "-";
}
