// `pnpm tts "text" -o out.wav`: submits a job over HTTP, shows progress while it
// polls, writes the WAV and prints its duration and RTF.
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ApiError, VoxqueueClient, type SubmitOptions } from "./client.js";
import { progressReporter } from "./progress.js";

const HELP = `Usage: pnpm tts [options] "text to speak"

Submits a synthesis job to a voxqueue API, waits for it, saves the WAV.

Options:
  -o, --out FILE          where to write the WAV (default: out.wav)
      --api URL           API base URL (default: $VOXQUEUE_API or http://127.0.0.1:$PORT, PORT=8080)
      --api-key KEY       API key, when the API has API_KEYS_FILE (default: $VOXQUEUE_API_KEY)
  -v, --voice ID          voice id (see GET /v1/voices; default: the API's default voice)
  -s, --speaker NAME|ID   speaker of a multi-speaker voice
      --length-scale N    speaking rate: > 1 slower, < 1 faster (Piper length_scale)
      --noise-scale N     Piper noise_scale (voice variation)
      --noise-w N         Piper noise_w (phoneme duration variation)
      --priority N        BullMQ priority, 1 = most urgent
      --timeout SECONDS   give up waiting after this long (default: 600)
      --voices            list the installed voices and exit
  -h, --help              show this help

Text may also come on stdin: echo "Hello." | pnpm tts -o hello.wav -`;

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ApiError(`--${name} must be a number, got "${value}"`, 0);
  return n;
}

/**
 * Checks before any synthesis that `out` can be written: its folder exists and is
 * writable, and `out` is not a folder. Returns what is wrong, or null.
 */
async function outputProblem(out: string): Promise<string | null> {
  const dir = dirname(resolve(out));
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat) return `cannot write ${out}: the folder ${dir} does not exist (create it first)`;
  if (!dirStat.isDirectory()) return `cannot write ${out}: ${dir} is not a folder`;
  if (
    await access(dir, constants.W_OK).then(
      () => false,
      () => true,
    )
  )
    return `cannot write ${out}: the folder ${dir} is not writable`;
  if ((await stat(out).catch(() => null))?.isDirectory()) return `cannot write ${out}: it is a folder`;
  return null;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o", default: "out.wav" },
      api: { type: "string" },
      "api-key": { type: "string" },
      voice: { type: "string", short: "v" },
      speaker: { type: "string", short: "s" },
      "length-scale": { type: "string" },
      "noise-scale": { type: "string" },
      "noise-w": { type: "string" },
      priority: { type: "string" },
      timeout: { type: "string", default: "600" },
      voices: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const client = new VoxqueueClient(
    values.api ?? process.env.VOXQUEUE_API ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`,
    values["api-key"] ?? process.env.VOXQUEUE_API_KEY,
  );
  if (values.voices) {
    console.log(JSON.stringify(await client.voices(), null, 2));
    return 0;
  }
  // Before reading stdin or submitting: a bad -o fails now, not after the synthesis.
  const problem = await outputProblem(values.out);
  if (problem) {
    console.error(problem);
    return 2;
  }
  let text = positionals.join(" ");
  if (text === "-") text = await readStdin();
  if (!text.trim()) {
    console.error(`no text given\n\n${HELP}`);
    return 2;
  }
  const opts: SubmitOptions = { text };
  if (values.voice) opts.voice = values.voice;
  if (values.speaker) opts.speaker = /^\d+$/.test(values.speaker) ? Number(values.speaker) : values.speaker;
  const scales = {
    length_scale: num("length-scale", values["length-scale"]),
    noise_scale: num("noise-scale", values["noise-scale"]),
    noise_w: num("noise-w", values["noise-w"]),
    priority: num("priority", values.priority),
  };
  for (const [k, v] of Object.entries(scales)) if (v !== undefined) (opts as unknown as Record<string, number>)[k] = v;

  const accepted = await client.submit(opts);
  const progress = progressReporter();
  const job = await client.waitForJob(accepted.id, { onUpdate: progress.update, timeoutMs: Number(values.timeout) * 1000 });
  progress.done();
  const wav = await client.audio(accepted.id);
  await writeFile(values.out, wav);
  const r = job.result!;
  console.log(
    `wrote ${values.out}: ${r.audio_duration_s.toFixed(2)} s of audio at ${r.sample_rate} Hz (voice ${r.voice}${r.speaker ? `, speaker ${r.speaker}` : ""})`,
  );
  if (r.cached) console.log("answered from the audio cache: an earlier job's audio for the same text and settings, not synthesized again");
  else console.log(`synthesis ${r.synthesis_s.toFixed(3)} s, RTF ${r.rtf.toFixed(3)} (${r.rtf < 1 ? "faster" : "slower"} than real time)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e instanceof TypeError && e.message === "fetch failed")
      console.error(`cannot reach the voxqueue API (${e.cause?.code ?? e.cause?.message ?? e.message}); start it with: pnpm start, or pass --api URL`);
    else console.error(e instanceof ApiError ? e.message : `error: ${e.message}`);
    process.exit(1);
  },
);
