import { parseArgs } from "node:util";
import { DEFAULT_SEED, ForgeOptionsError, forgeVoice } from "./forge";
import { defaultVoicesDir } from "./paths";
import { PIPER_PUBLISHED_SIZES } from "./piper-sizes";
import { presetParams, type VoicePreset } from "./presets";
import { REFERENCE_VOICES, ensureReferenceVoices } from "./reference";
import type { ForgedVoice, ForgeProgress } from "./types";

const USAGE = `Usage: pnpm voices [--out DIR] [--only NAME,...]
       tsx src/cli.ts [options]

Generates VITS voices in Piper's format (NAME.onnx + NAME.onnx.json) with seeded
synthetic weights: real compute, audio that is not speech. \`pnpm voices\` is
\`tsx src/cli.ts --if-missing\`: the reference voices the worker, \`pnpm start\` and
\`pnpm demo\` serve, each generated only when missing or made by another forge
version (safe to run again; the worker itself never generates voices).

  --out DIR        output directory (default: $VOICES_DIR, else <repo>/data/voices)
  --preset NAME    medium | x_low (default: medium)
  --speakers N     number of speakers; > 1 adds the sid input (default: 1)
  --seed N         uint32 weight seed (default: ${DEFAULT_SEED})
  --name STEM      file stem (default: en_US-voxqueue_ref-PRESET, or
                   en_US-voxqueue_ref_multi-PRESET when --speakers > 1)
  --if-missing     ensure the reference voices (${REFERENCE_VOICES.map((v) => v.name).join(", ")});
                   generates only those missing or out of date (forge version,
                   seed, preset); ignores the options above but --out
  --only NAMES     with --if-missing: only these reference voices (comma-separated)
  -h, --help       this text

Progress goes to stderr; one summary line per voice to stdout.`;

/** Exit code of a usage error. */
const EXIT_USAGE = 2;

function progressPrinter(): (p: ForgeProgress) => void {
  let lastLine = "";
  return (p) => {
    // Weights report about every 2%: print every 10%. Other steps: print when done.
    const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
    if (!p.step.endsWith("weights") && p.done < p.total) return;
    const line = p.step.endsWith("weights") ? `${p.step} ${pct - (pct % 10)}%` : `${p.step} done`;
    if (line !== lastLine) process.stderr.write(`voice-forge: ${line}\n`);
    lastLine = line;
  };
}

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function summary(v: ForgedVoice, preset: VoicePreset): string {
  const quality = presetParams(preset).quality;
  const piper = PIPER_PUBLISHED_SIZES[quality];
  const ours = `${(v.parameterCount / 1e6).toFixed(2)}M parameters, ${formatMb(v.bytes)}`;
  const theirs = piper ? ` (Piper ${quality}: ${piper.parameters} parameters, ${formatMb(piper.onnxBytes)})` : "";
  return `${v.name}: ${ours}${theirs} -> ${v.onnxPath}`;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: "string" },
        preset: { type: "string", default: "medium" },
        speakers: { type: "string", default: "1" },
        seed: { type: "string", default: String(DEFAULT_SEED) },
        name: { type: "string" },
        "if-missing": { type: "boolean", default: false },
        only: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`voice-forge: ${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const outDir = args.out ?? defaultVoicesDir();
  const onProgress = progressPrinter();

  if (args["if-missing"]) {
    const only = args.only
      ?.split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    const voices = await ensureReferenceVoices(outDir, { onProgress, only });
    for (const v of voices) process.stdout.write(`${summary(v, REFERENCE_VOICES.find((r) => r.name === v.name)!.preset)}\n`);
    return 0;
  }
  if (args.only !== undefined) throw new ForgeOptionsError("--only needs --if-missing (it picks reference voices)");

  const preset = args.preset as VoicePreset;
  const numSpeakers = Number(args.speakers);
  const seed = Number(args.seed);
  const name = args.name ?? `en_US-voxqueue_ref${numSpeakers > 1 ? "_multi" : ""}-${preset}`;
  const voice = await forgeVoice({ preset, numSpeakers, seed, name, outDir, onProgress });
  process.stdout.write(`${summary(voice, preset)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof ForgeOptionsError;
    process.stderr.write(`voice-forge: ${usage ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
    process.exitCode = usage ? EXIT_USAGE : 1;
  },
);
