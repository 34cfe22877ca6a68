/**
 * VITS hyperparameters of the reference voices, as Piper trains them
 * (rhasspy/piper `src/python/piper_train/vits/lightning.py` defaults; `__main__.py`
 * `--quality x-low` sets hidden/inter 96 and filter 384 and keeps everything else).
 */

/** Size presets; names follow Piper's quality levels. */
export type VoicePreset = "medium" | "x_low";

/** Which duration predictor the graph uses (VITS `use_sdp`). */
export type DurationPredictorKind = "stochastic" | "deterministic";

/** Everything that shapes the generated graph. Channel counts are per layer. */
export interface VitsHyperParams {
  preset: VoicePreset;
  /** `audio.quality` of the config. */
  quality: string;
  /** Output sample rate, Hz (Piper: 22050 for medium, 16000 for x_low). */
  sampleRateHz: number;
  /** Samples per spectrogram frame; the decoder upsamples by the product of `upsampleRates`. */
  hopLength: number;
  numSymbols: number;
  hiddenChannels: number;
  interChannels: number;
  filterChannels: number;
  nHeads: number;
  nLayers: number;
  /** Kernel of the text encoder's FFN convs and of the duration predictor. */
  kernelSize: number;
  /** Relative attention window (VITS `window_size`). */
  windowSize: number;
  flow: { nFlows: number; kernelSize: number; dilationRate: number; nLayers: number };
  durationPredictor: {
    kind: DurationPredictorKind;
    /** SDP: VITS forces `filter_channels = in_channels`; DP: 256. */
    filterChannels: number;
    /** SDP flows declared (the first is unused at inference, so not exported). */
    nFlows: number;
    numBins: number;
    tailBound: number;
  };
  decoder: {
    upsampleInitialChannel: number;
    upsampleRates: number[];
    upsampleKernelSizes: number[];
    resblockKernelSizes: number[];
    resblockDilationSizes: number[][];
  };
  /** Speaker embedding size for multi-speaker voices (Piper's default 512). */
  ginChannels: number;
  /**
   * Mean duration per phoneme (per non-pad id) the duration predictor is initialised
   * to, ms. Measured output runs 5-15% longer (log-normal spread, ceil, BOS/EOS):
   * about 80-90 ms at Piper's default scales.
   */
  targetPhonemeMs: number;
}

const DECODER: VitsHyperParams["decoder"] = {
  upsampleInitialChannel: 256,
  upsampleRates: [8, 8, 4],
  upsampleKernelSizes: [16, 16, 8],
  resblockKernelSizes: [3, 5, 7],
  // Piper's ResBlock2 dilations (lightning.py); VITS's ResBlock2 default is (1, 3).
  // Dilation does not change the compute.
  resblockDilationSizes: [
    [1, 2],
    [2, 6],
    [3, 12],
  ],
};

function preset(p: VoicePreset, hidden: number, filter: number, sampleRateHz: number): VitsHyperParams {
  return {
    preset: p,
    quality: p,
    sampleRateHz,
    hopLength: 256,
    numSymbols: 256,
    hiddenChannels: hidden,
    interChannels: hidden,
    filterChannels: filter,
    nHeads: 2,
    nLayers: 6,
    kernelSize: 3,
    windowSize: 4,
    flow: { nFlows: 4, kernelSize: 5, dilationRate: 1, nLayers: 4 },
    durationPredictor: { kind: "stochastic", filterChannels: hidden, nFlows: 4, numBins: 10, tailBound: 5 },
    decoder: DECODER,
    ginChannels: 512,
    targetPhonemeMs: 75,
  };
}

/** The presets: Piper `medium` (192/768, 22050 Hz) and `x-low` (96/384, 16000 Hz). */
export const PRESETS: Readonly<Record<VoicePreset, VitsHyperParams>> = {
  medium: preset("medium", 192, 768, 22050),
  x_low: preset("x_low", 96, 384, 16000),
};

/**
 * The hyperparameters of a preset.
 * @throws Error for an unknown preset name
 */
export function presetParams(name: string): VitsHyperParams {
  const p = PRESETS[name as VoicePreset];
  if (!p) throw new Error(`unknown preset "${name}" (expected ${Object.keys(PRESETS).join(" or ")})`);
  return p;
}
