import { VoxqueueError, createSpeechRequestSchema, type SpeechRequest } from "@voxqueue/contracts";

/** A `POST /v1/audio/speech` body parser. */
export type SpeechRequestParser = (body: unknown) => SpeechRequest;

/**
 * Builds the body parser of OpenAI's speech request (`createSpeechRequestSchema`).
 * @throws VoxqueueError `invalid_input` whose field is OpenAI's `param` at fault (`body` when the body itself is wrong)
 */
export function createSpeechRequestParser(opts: { maxInputChars: number }): SpeechRequestParser {
  const schema = createSpeechRequestSchema(opts);
  return (body) => {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new VoxqueueError("invalid_input", "request body must be a JSON object", "body");
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const param = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    throw new VoxqueueError("invalid_input", issue.message, param);
  };
}
