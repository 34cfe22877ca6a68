import { describe, expect, it } from "vitest";
import { encodeWavSentences } from "@voxqueue/synth";
import { CORPUS } from "../src/bench/corpus.js";
import { checkWav, LONGFORM_MIN_CHARS, longformText, type LongformResult } from "../src/bench/longform.js";
import { emptySuite, formatSuite } from "../src/bench/report.js";

// The long-form measure itself runs real stacks for minutes (pnpm bench --only longform);
// here: the text it submits, the WAV check it applies, and how the report prints it.

describe("longformText", () => {
  it("is whole corpus sentences in order, round again, up to the characters asked", () => {
    const text = longformText(50_000);
    const longest = Math.max(...CORPUS.map((s) => s.length));
    expect(text.length).toBeLessThanOrEqual(50_000);
    expect(text.length).toBeGreaterThan(50_000 - longest - 2);
    const paragraphs = text.split("\n\n");
    expect(paragraphs.length).toBeGreaterThan(20);
    for (const [i, p] of paragraphs.entries()) {
      const full = CORPUS.join(" ");
      if (i < paragraphs.length - 1) expect(p).toBe(full);
      else expect(full.startsWith(p)).toBe(true);
    }
  });

  it("refuses a length that would not be a long-form job", () => {
    expect(() => longformText(LONGFORM_MIN_CHARS - 1)).toThrow(RangeError);
    expect(longformText(LONGFORM_MIN_CHARS).length).toBeGreaterThan(LONGFORM_MIN_CHARS - 200);
  });
});

describe("checkWav", () => {
  const rate = 22050;
  const pcm = Int16Array.from({ length: rate * 3 }, (_, i) => Math.round(1000 * Math.sin(i / 10)));
  const wav = encodeWavSentences([pcm], 0, rate);

  it("passes a 16-bit mono WAV of the job's rate and duration, as read by a decoder", () => {
    expect(checkWav(wav, { sampleRate: rate, seconds: 3 })).toEqual({ sample_rate: rate, bytes: wav.length, seconds: 3 });
  });

  it("names what does not match: rate, duration, a body cut short, a header that is not RIFF", () => {
    expect(() => checkWav(wav, { sampleRate: 16000, seconds: 3 })).toThrow(/sample rate 22050/);
    expect(() => checkWav(wav, { sampleRate: rate, seconds: 3.5 })).toThrow(/3 s of samples/);
    expect(() => checkWav(wav.subarray(0, wav.length - 1000), { sampleRate: rate, seconds: 3 })).toThrow(/size/);
    const notRiff = Buffer.from(wav);
    notRiff.write("RIFX", 0, "ascii");
    expect(() => checkWav(notRiff, { sampleRate: rate, seconds: 3 })).toThrow();
  });
});

describe("the report's longform section", () => {
  it("prints both worker counts, the speedup, the WAV and the goal", () => {
    const s = (median: number) => ({ median, min: median, max: median });
    const longform: LongformResult = {
      voice: "en_US-voxqueue_ref-x_low",
      chars: 49_990,
      chunks: 26,
      chunk_chars: 2000,
      worker: { worker_concurrency: 1, inference_threads: 1, ort_intra_op_threads: 1 },
      rows: [
        { workers: 1, wall_s: s(200), audio_s: s(4000), audio_s_per_s: s(20), synthesis_s: s(190) },
        { workers: 2, wall_s: s(110), audio_s: s(4000), audio_s_per_s: s(36.4), synthesis_s: s(200) },
      ],
      speedup: s(1.82),
      wav: { sample_rate: 16000, bytes: 128_000_044, seconds: 4000 },
      load_average: { min: 1, max: 2.5 },
    };
    const report = {
      ...emptySuite({
        host: { cpus: 2, cpu_model: "cpu", total_memory_bytes: 1, node: process.version, platform: "linux-x64" },
        quick: false,
        rounds: 1,
        voice: "v",
        corpus: { sentences: 20, chars: 10 },
      }),
      longform,
    };
    report.goals = { longform_speedup: { goal: "long-form job: 2 one-core workers >= 1.7 x 1 (wall time)", value: 1.82, met: true } };
    const text = formatSuite(report);
    expect(text).toContain("long-form job: 49990 characters, 26 chunk jobs of ~2000");
    expect(text).toMatch(/^1 +200\.0 \[200\.0-200\.0\] +4000 +20\.0 \[20\.0-20\.0\] +1$/m);
    expect(text).toMatch(/^2 +110\.0 .* 1\.82 \[1\.82-1\.82\]$/m);
    expect(text).toContain("WAV checked: 16000 Hz, 122.1 MiB, 4000.0 s");
    expect(text).toMatch(/2 one-core workers >= 1\.7 x 1 \(wall time\) +1\.820 +yes/);
  });
});
