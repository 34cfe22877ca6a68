// Audio encoders, usable without loading onnxruntime or espeak: `@voxqueue/synth/encode`.
export { encodeAudio, readWav, type EncodeOptions } from "./encode.js";
export { createStreamEncoder, type StreamEncoder, type StreamFormat } from "./stream-encoder.js";
export {
  AAC_PRIMING_SAMPLES,
  EncodeError,
  EncoderUnavailableError,
  FFMPEG_FORMATS,
  FFMPEG_INSTALL_HINT,
  assertEncoder,
  ffmpegEncoders,
  needsFfmpeg,
  type FfmpegFormat,
} from "./ffmpeg.js";
export { WAV_HEADER_BYTES, encodeWav, wavHeader } from "../audio.js";
