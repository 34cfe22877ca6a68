/** A fuzz target: its module (relative to this folder, without extension) and what it fuzzes. */
export interface FuzzTarget {
  name: string;
  module: string;
  /** Imports the module (for replays outside Jazzer.js, which loads it by path). */
  load: () => Promise<{ fuzz: (data: Buffer) => void }>;
  about: string;
  /** Parts of file paths under node_modules to instrument too (coverage feedback from a dependency the target leans on). */
  instrument: readonly string[];
}

/** Every fuzz target, in the order `pnpm fuzz` runs them. Seeds: tests/fuzz/corpus/<name>/. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    name: "text-pipeline",
    module: "text-pipeline",
    load: () => import("./text-pipeline.js"),
    about: "prepareText: normalize → sentence split → espeak-ng phonemes → phoneme ids (the worker's front end)",
    instrument: [],
  },
  {
    name: "job-request",
    module: "job-request",
    load: () => import("./job-request.js"),
    about: "POST /v1/jobs body parser (createJobRequestParser: zod schema + SSML at submit)",
    instrument: ["/zod@"],
  },
  {
    name: "speech-request",
    module: "speech-request",
    load: () => import("./speech-request.js"),
    about: "POST /v1/audio/speech body parser (OpenAI's speech request)",
    instrument: ["/zod@"],
  },
];

/** A target's Jazzer.js entry, loaded by path (as the fuzzer loads it). */
export async function loadFuzzFunction(target: FuzzTarget): Promise<(data: Buffer) => void> {
  return (await target.load()).fuzz;
}
