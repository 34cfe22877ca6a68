// @ts-check
/** The console's HTTP client: same-origin JSON calls with the API key kept in this browser. */

const KEY_STORAGE = "voxqueue.apiKey";

/** The saved API key, "" when none. */
export function savedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

/** Saves `key` in localStorage (an empty key forgets it). */
export function saveKey(/** @type {string} */ key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** An API answer that was not 2xx: the API's `{error: {type, message, field?}}`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} type
   * @param {string} message
   * @param {string | undefined} field
   */
  constructor(status, type, message, field) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.field = field;
  }
}

/** @param {RequestInit} [init] @returns {Headers} */
function headersWithKey(init) {
  const headers = new Headers(init?.headers);
  const key = savedKey();
  if (key) headers.set("Authorization", `Bearer ${key}`);
  return headers;
}

/** @param {Response} res @returns {Promise<ApiError>} */
async function errorOf(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const e = body?.error ?? {};
  const message = typeof e.message === "string" ? e.message : `${res.status} ${res.statusText}`;
  return new ApiError(res.status, typeof e.type === "string" ? e.type : "http_error", message, e.field ?? e.param);
}

/**
 * `fetch` of a path of this origin with the key; resolves with the Response when 2xx.
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 * @throws {ApiError}
 */
export async function request(path, init) {
  let res;
  try {
    res = await fetch(path, { ...init, headers: headersWithKey(init), cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, "network", `the API did not answer (${err instanceof Error ? err.message : String(err)})`, undefined);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

/**
 * JSON of `GET path` (or of `init`'s method).
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function getJson(path, init) {
  return (await request(path, init)).json();
}

/**
 * `POST path` with a JSON body; resolves with the answer's JSON.
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<any>}
 */
export async function postJson(path, body) {
  const res = await request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}
