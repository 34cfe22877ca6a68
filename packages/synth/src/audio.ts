/**
 * Piper's float → int16 conversion (rhasspy/piper `src/python_run/piper/util.py`,
 * `src/cpp/piper.cpp`): scale by 32767 / max(0.01, max|x|), clamp, truncate to int16.
 * @param audio model output samples, nominally in [-1, 1]
 * @returns PCM 16-bit samples, same length
 */
export function floatToInt16(audio: Float32Array): Int16Array {
  let peak = 0;
  for (let i = 0; i < audio.length; i++) {
    const a = Math.abs(audio[i]!);
    if (a > peak) peak = a;
  }
  const scale = 32767 / Math.max(0.01, peak);
  const out = new Int16Array(audio.length);
  for (let i = 0; i < audio.length; i++) {
    const v = audio[i]! * scale;
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.trunc(v);
  }
  return out;
}

/** Samples of silence of `seconds` at `sampleRate` Hz (rounded down). */
export function silenceSamples(seconds: number, sampleRate: number): number {
  return Math.max(0, Math.floor(seconds * sampleRate));
}

/**
 * Joins sentence PCM chunks with `gapSamples` of silence between them (none after the
 * last; Piper's C++ CLI adds 0.2 s between sentences).
 */
export function joinWithSilence(chunks: readonly Int16Array[], gapSamples: number): Int16Array {
  const total = chunks.reduce((n, c) => n + c.length, 0) + Math.max(0, chunks.length - 1) * gapSamples;
  const out = new Int16Array(total);
  let offset = 0;
  chunks.forEach((chunk, i) => {
    out.set(chunk, offset);
    offset += chunk.length + (i < chunks.length - 1 ? gapSamples : 0);
  });
  return out;
}

/** Size of the canonical RIFF/WAVE header written by {@link encodeWav}, bytes. */
export const WAV_HEADER_BYTES = 44;

/**
 * Wraps PCM in a canonical WAV file: RIFF, `fmt ` chunk with PCM format 1, mono,
 * 16-bit little-endian, then the `data` chunk (Microsoft RIFF WAVE spec).
 * @param pcm mono 16-bit samples
 * @param sampleRate samples per second (the voice's `audio.sample_rate`)
 */
export function encodeWav(pcm: Int16Array, sampleRate: number): Buffer {
  return encodeWavSentences([pcm], 0, sampleRate);
}

/** A piece of PCM preceded by `silenceBefore` samples of silence (a pipeline `AudioChunk` is one). */
export interface PcmPiece {
  pcm: Int16Array;
  silenceBefore: number;
}

/**
 * The WAV of sentences joined with `gapSamples` of silence between them, written
 * straight into the file's one buffer: the same bytes as
 * `encodeWav(joinWithSilence(chunks, gapSamples), sampleRate)` without the joined
 * copy, so the longest text costs its audio twice (sentences + file), not three times.
 * @throws RangeError when the audio does not fit a WAV file (4 GiB)
 */
export function encodeWavSentences(chunks: readonly Int16Array[], gapSamples: number, sampleRate: number): Buffer {
  return encodeWavPieces(
    chunks.map((pcm, i) => ({ pcm, silenceBefore: i > 0 ? gapSamples : 0 })),
    sampleRate,
  );
}

/** The canonical 44-byte header of a mono 16-bit PCM WAV of `dataBytes` bytes. */
export function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const buf = Buffer.alloc(WAV_HEADER_BYTES);
  writeWavHeader(buf, dataBytes, sampleRate);
  return buf;
}

function writeWavHeader(buf: Buffer, dataBytes: number, sampleRate: number): void {
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(Math.min(0xffff_ffff, 36 + dataBytes), 4);
  buf.write("WAVE", 8, "ascii");
  buf.write("fmt ", 12, "ascii");
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(Math.min(0xffff_ffff, dataBytes), 40);
}

/**
 * The WAV of PCM pieces, each preceded by its silence, written straight into the file's
 * one buffer (no joined copy).
 * @throws RangeError when the audio does not fit a WAV file (4 GiB)
 */
export function encodeWavPieces(pieces: readonly PcmPiece[], sampleRate: number): Buffer {
  const samples = pieces.reduce((n, p) => n + p.silenceBefore + p.pcm.length, 0);
  const dataBytes = samples * 2;
  if (36 + dataBytes > 0xffff_ffff) throw new RangeError(`audio of ${samples} samples does not fit a WAV file`);
  // Zero-filled: the gaps are silence.
  const buf = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  writeWavHeader(buf, dataBytes, sampleRate);
  let offset = WAV_HEADER_BYTES;
  for (const { pcm, silenceBefore } of pieces) {
    offset += silenceBefore * 2;
    // Int16Array is host-endian; every platform Node ships on is little-endian, as WAV is.
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.length * 2).copy(buf, offset);
    offset += pcm.length * 2;
  }
  return buf;
}
