import { AUDIO_FORMAT_NAMES, type AudioFormat } from "@voxqueue/contracts";
import { InferencePool, encodeWavPieces, synthesize, type AudioChunk, type VoiceFiles } from "@voxqueue/synth";
import { encodeAudio } from "@voxqueue/synth/encode";
import { spread, type Spread } from "./stats.js";

/** Ten sentences (the first with a clause), the text of the time-to-first-audio figure. */
export const TEN_SENTENCES = [
  "When the storm came in from the west, the waves climbed the sea wall.",
  "The next morning, volunteers swept the stones back into the water.",
  "The baker on the corner sold out of rye bread first.",
  "Children carried small sweet rolls to school in paper bags.",
  "The lighthouse keeper still walks up the hill every evening.",
  "He says the timing has drifted by four seconds.",
  "Nobody has been able to prove him wrong.",
  "In spring the council repaints the railings.",
  "They argued for a whole winter about the colour.",
  "In the end they chose the same pale green as before.",
].join(" ");

/** The `speech` section of the report: time to first audio and encoding cost, in process. */
export interface SpeechResult {
  voice: string;
  text_sentences: number;
  audio_s: number;
  /** synthesize() with the first sentence split at its clause (as streamed jobs are): first chunk ready, seconds. */
  first_audio_s: Spread;
  /** The same synthesis to its last chunk, seconds. */
  whole_s: Spread;
  /** first_audio_s / whole_s per run (goal: ≤ 0.2). */
  first_over_whole: Spread;
  /** Seconds of encoding per second of audio (ffmpeg started per file for mp3/opus/flac/aac), by format. */
  encode_s_per_audio_s: Record<AudioFormat, Spread>;
}

/**
 * Times the streaming path in process on `voice` (one inference thread): when the first
 * chunk of {@link TEN_SENTENCES} is ready against the whole synthesis, and what encoding
 * its WAV costs in each format, `runs` times each.
 */
export async function measureSpeech(voice: VoiceFiles, opts: { runs: number; intraOpThreads: number }): Promise<SpeechResult> {
  const { pool } = await InferencePool.start({ voices: [voice], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: opts.intraOpThreads });
  try {
    const { noise_scale, length_scale, noise_w } = voice.config.inference;
    const run = async () => {
      const synthesis = synthesize(pool, {
        text: TEN_SENTENCES,
        voice,
        speaker: null,
        scales: { noise_scale, length_scale, noise_w },
        sentenceSilenceSeconds: 0.2,
        timeoutMs: 600_000,
        splitFirstClause: true,
      });
      const chunks: AudioChunk[] = [];
      for await (const chunk of synthesis) chunks.push(chunk);
      return { summary: synthesis.summary(), wav: encodeWavPieces(chunks, synthesis.sampleRate) };
    };
    await run(); // warm-up
    const runs = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await run());
    const { wav, summary } = runs[0]!;
    const encode = {} as Record<AudioFormat, Spread>;
    for (const format of AUDIO_FORMAT_NAMES) {
      const seconds: number[] = [];
      for (let i = 0; i <= opts.runs; i++) {
        const t0 = performance.now();
        await encodeAudio(wav, format);
        if (i > 0) seconds.push((performance.now() - t0) / 1000 / summary.audioSeconds);
      }
      encode[format] = spread(seconds);
    }
    return {
      voice: voice.id,
      text_sentences: summary.sentences,
      audio_s: summary.audioSeconds,
      first_audio_s: spread(runs.map((r) => r.summary.firstAudioSeconds)),
      whole_s: spread(runs.map((r) => r.summary.synthesisSeconds)),
      first_over_whole: spread(runs.map((r) => r.summary.firstAudioSeconds / r.summary.synthesisSeconds)),
      encode_s_per_audio_s: encode,
    };
  } finally {
    await pool.close();
  }
}
