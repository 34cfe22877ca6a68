import { execFile } from "node:child_process";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIO_FORMAT_NAMES, STREAMABLE_FORMATS, type AudioFormat } from "@voxqueue/contracts";
import { encodeWav } from "../src/audio.js";
import { AAC_PRIMING_SAMPLES, EncoderUnavailableError, createStreamEncoder, encodeAudio, readWav } from "../src/encode/index.js";

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vq-encode-"));
});

/** `seconds` of a tone that changes pitch every half second, ending in sound (a cut tail shows). */
function toneWav(seconds: number, sampleRate: number): Buffer {
  const pcm = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < pcm.length; i++) {
    const hz = 200 + 100 * (Math.floor(i / (sampleRate / 2)) % 5);
    pcm[i] = Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  }
  return encodeWav(pcm, sampleRate);
}

/** What a real decoder (ffprobe, then ffmpeg decoding every sample) makes of a file. */
async function decode(bytes: Buffer, format: AudioFormat, sampleRate: number) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.${format}`);
  await writeFile(file, bytes);
  const input = format === "pcm" ? ["-f", "s16le", "-ar", String(sampleRate), "-ac", "1"] : [];
  const probe = await run("ffprobe", ["-v", "error", ...input, "-show_entries", "stream=codec_name,channels,sample_rate", "-of", "json", file]);
  const stream = (JSON.parse(probe.stdout) as { streams: { codec_name: string; channels: number; sample_rate: string }[] }).streams[0]!;
  // Every sample decoded, at the stream's own rate: errors in the data fail here (-xerror).
  const pcm = await run("ffmpeg", ["-v", "error", "-xerror", ...input, "-i", file, "-f", "s16le", "-ac", "1", "-"], { encoding: "buffer", maxBuffer: 1 << 28 });
  const rate = Number(stream.sample_rate);
  // ADTS cannot signal AAC's priming: its decoder plays AAC_PRIMING_SAMPLES first (documented); the rest is the audio.
  const priming = format === "aac" ? AAC_PRIMING_SAMPLES : 0;
  return { codec: stream.codec_name, channels: stream.channels, sampleRate: rate, seconds: (pcm.stdout.length / 2 - priming) / rate };
}

const CODECS: Record<AudioFormat, string> = { wav: "pcm_s16le", pcm: "pcm_s16le", mp3: "mp3", opus: "opus", flac: "flac", aac: "aac" };
/** Opus always decodes at 48 kHz; every other format keeps the voice's rate. */
const decodedRate = (format: AudioFormat, rate: number) => (format === "opus" ? 48_000 : rate);

describe("encodeAudio (a job's WAV in every format, checked by ffprobe/ffmpeg)", () => {
  for (const rate of [16_000, 22_050]) {
    for (const format of AUDIO_FORMAT_NAMES) {
      it(`${format} at ${rate} Hz: decodes, mono, ${format === "opus" ? "48 kHz" : "the voice's rate"}, duration within 1 % of the WAV's`, async () => {
        const wav = toneWav(20, rate);
        const bytes = await encodeAudio(wav, format);
        const got = await decode(bytes, format, rate);
        expect(got).toMatchObject({ codec: CODECS[format], channels: 1, sampleRate: decodedRate(format, rate) });
        expect(Math.abs(got.seconds - 20) / 20).toBeLessThan(0.01);
        if (format === "pcm") expect(bytes.equals(readWav(wav).pcm)).toBe(true);
      });
    }
  }

  it("keeps a short clip's length exactly enough for MP3 and Opus (encoder delay and padding are signalled and trimmed)", async () => {
    for (const format of ["mp3", "opus", "flac"] as const) {
      const got = await decode(await encodeAudio(toneWav(1.5, 22_050), format), format, 22_050);
      expect(Math.abs(got.seconds - 1.5), format).toBeLessThan(0.015);
    }
  });
});

describe("createStreamEncoder (PCM in pieces, bytes out as they are encoded)", () => {
  for (const format of STREAMABLE_FORMATS) {
    it(`${format}: the concatenated stream decodes to the input's length`, async () => {
      const rate = 22_050;
      const pcm = readWav(toneWav(20, rate)).pcm;
      const encoder = await createStreamEncoder(format, rate);
      const parts: Buffer[] = [];
      let firstOut: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (firstOut = resolve));
      const reading = (async () => {
        for await (const part of encoder.output) {
          parts.push(part);
          firstOut();
        }
      })();
      // Sentence-sized pieces (2 s), as the worker publishes them; the first one's bytes
      // must come out before any more is written (an encoder that waits for the end hangs here).
      const piece = rate * 2 * 2;
      await encoder.write(pcm.subarray(0, piece));
      await first;
      for (let at = piece; at < pcm.length; at += piece) await encoder.write(pcm.subarray(at, at + piece));
      encoder.end();
      await reading;
      expect(parts.length).toBeGreaterThan(1);
      const got = await decode(Buffer.concat(parts), format, rate);
      expect(got).toMatchObject({ codec: CODECS[format], channels: 1, sampleRate: decodedRate(format, rate) });
      expect(Math.abs(got.seconds - 20) / 20).toBeLessThan(0.01);
    });
  }
});

describe("a host without the encoder", () => {
  it("says what to install instead of failing inside ffmpeg: ffmpeg missing", async () => {
    const err = await encodeAudio(toneWav(1, 16_000), "mp3", { ffmpegPath: join(dir, "no-ffmpeg") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncoderUnavailableError);
    expect((err as EncoderUnavailableError).format).toBe("mp3");
    expect((err as Error).message).toMatch(/apt-get install ffmpeg/);
    // wav and pcm need no ffmpeg.
    expect((await encodeAudio(toneWav(1, 16_000), "pcm", { ffmpegPath: join(dir, "no-ffmpeg") })).length).toBe(32_000);
  });

  it("says which encoder an ffmpeg build lacks", async () => {
    // An ffmpeg build without libopus (as some minimal builds are): its encoder list only.
    const ffmpeg = join(dir, "ffmpeg-no-opus");
    await writeFile(ffmpeg, '#!/bin/sh\nif [ "$2" = "-encoders" ]; then /usr/bin/ffmpeg "$@" | grep -v libopus; else exec /usr/bin/ffmpeg "$@"; fi\n');
    await chmod(ffmpeg, 0o755);
    const err = await createStreamEncoder("opus", 16_000, { ffmpegPath: ffmpeg }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncoderUnavailableError);
    expect((err as Error).message).toMatch(/libopus/);
    await expect(encodeAudio(toneWav(1, 16_000), "flac", { ffmpegPath: ffmpeg })).resolves.toBeInstanceOf(Buffer);
  });
});
