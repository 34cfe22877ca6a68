// Fuzz target: the body parser of POST /v1/audio/speech (OpenAI's speech request,
// createSpeechRequestParser). Promises: a request within the schema's limits, or a
// VoxqueueError with a 4xx type naming a field; nothing else is thrown.
import { createSpeechRequestParser } from "@voxqueue/api/request-parsers";
import { AUDIO_FORMAT_NAMES, SPEECH_SPEED_LIMITS } from "@voxqueue/contracts";
import { FuzzFindingError } from "../fuzz-input.js";
import { parseFuzzedBody } from "../json-input.js";

/** The API's default MAX_TEXT_CHARS (packages/config), the route's limit on `input`. */
const MAX_INPUT_CHARS = 5000;
const parse = createSpeechRequestParser({ maxInputChars: MAX_INPUT_CHARS });

/** OpenAI's speech request fields (createSpeechRequestSchema). */
const FIELDS = ["model", "input", "voice", "response_format", "speed", "stream_format", "instructions"];
const KEYS = [...FIELDS, "__proto__", "constructor", "text"];
const VALUES: unknown[] = [
  "tts-1",
  "tts-1-hd",
  "gpt-4o-mini-tts",
  "alloy",
  "nova",
  "Hello.",
  "",
  " ",
  "x".repeat(MAX_INPUT_CHARS + 1),
  "audio",
  "sse",
  ...AUDIO_FORMAT_NAMES,
  0.25,
  4,
  4.0000001,
  1,
  0,
  -1,
  1e308,
  null,
  true,
  [],
  {},
];

/** Jazzer.js's entry: a body from the bytes through the route's parser. */
export function fuzz(data: Buffer): void {
  const request = parseFuzzedBody(data, parse, KEYS, VALUES);
  if (request === undefined) return;
  if (request.input.trim().length === 0 || request.input.length > MAX_INPUT_CHARS)
    throw new FuzzFindingError(`accepted an input of ${request.input.length} characters`);
  if (!(request.speed >= SPEECH_SPEED_LIMITS.min && request.speed <= SPEECH_SPEED_LIMITS.max)) throw new FuzzFindingError(`accepted speed ${request.speed}`);
  if (!AUDIO_FORMAT_NAMES.includes(request.response_format)) throw new FuzzFindingError(`accepted response_format ${request.response_format}`);
}
