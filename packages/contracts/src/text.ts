import { z } from "zod";
import { textField, textNormalizationField, textTypeField, voiceField, type TextNormalization } from "./jobs.js";

/** Body of `POST /v1/text/preview`: the text, and optionally the voice and mode a job would use. */
export function createTextPreviewRequestSchema(opts: { maxTextChars: number }) {
  return z.strictObject({ text: textField(opts), voice: voiceField(), text_normalization: textNormalizationField(), text_type: textTypeField() });
}
export type TextPreviewRequest = z.infer<ReturnType<typeof createTextPreviewRequestSchema>>;

/** One sentence of a preview: as written, as it will be said, and its espeak phonemes (IPA). */
export interface TextPreviewSentence {
  text: string;
  spoken: string;
  phonemes: string;
}

/** Answer of `POST /v1/text/preview`: how a job with this text, voice and mode will read it. */
export interface TextPreview {
  voice: string;
  text_normalization: TextNormalization;
  /** The sentences' spoken forms joined by a space. */
  spoken: string;
  sentences: TextPreviewSentence[];
}
