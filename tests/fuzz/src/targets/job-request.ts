// Fuzz target: the body parser of POST /v1/jobs (createJobRequestParser: the contracts' zod
// schema, then SSML parsed at submit). Promises: a request within the schema's limits, or a
// VoxqueueError with a 4xx type that names a field safe to repeat and says what is wrong;
// nothing else is thrown.
import { createJobRequestParser } from "@voxqueue/api/request-parsers";
import { AUDIO_FORMAT_NAMES } from "@voxqueue/contracts";
import { FuzzFindingError } from "../fuzz-input.js";
import { parseFuzzedBody } from "../json-input.js";

/** The API's default MAX_TEXT_CHARS (packages/config). */
const MAX_TEXT_CHARS = 5000;
const parse = createJobRequestParser({ maxTextChars: MAX_TEXT_CHARS });

/** The request's fields (createJobRequestSchema). */
const FIELDS = ["text", "voice", "speaker", "length_scale", "noise_scale", "noise_w", "text_normalization", "text_type", "priority", "webhook_url"];
/** Keys the fuzzer tries: the fields, and names a parser must not take for one. */
const KEYS = [...FIELDS, "format", "__proto__", "constructor", "toString"];
const VALUES: unknown[] = [
  "Hello world.",
  '<speak>Hi <break time="300ms"/> there.</speak>',
  '<speak><prosody rate="1e308%">x</prosody></speak>',
  "",
  " ",
  "a".repeat(MAX_TEXT_CHARS + 1),
  "en_US-lessac-medium",
  "standard",
  "piper",
  "ssml",
  "text",
  ...AUDIO_FORMAT_NAMES,
  "https://example.com/hook",
  "http://127.0.0.1:1/",
  "ftp://x",
  0,
  1,
  2,
  0.5,
  1e308,
  -1,
  2 ** 53,
  1e-320,
  null,
  true,
  [],
  {},
];

/** Jazzer.js's entry: a body from the bytes through the route's parser. */
export function fuzz(data: Buffer): void {
  const request = parseFuzzedBody(data, parse, KEYS, VALUES);
  if (request === undefined) return;
  if (typeof request.text !== "string" || request.text.trim().length === 0 || request.text.length > MAX_TEXT_CHARS)
    throw new FuzzFindingError(`accepted a text of ${String(request.text?.length)} characters`);
  for (const key of Object.keys(request)) if (!FIELDS.includes(key)) throw new FuzzFindingError(`accepted an unknown field ${JSON.stringify(key)}`);
}
