#!/usr/bin/env bash
# gpu-check: one prepared check of voxqueue's engine on a GPU host. Runs the reference
# voice with each execution provider and prints RTF per provider and text length (one
# word, one paragraph), batch-size scaling and the GPU memory gauges (nvidia-smi).
# Installs nothing and reaches no network: it needs the repository installed
# (pnpm install) and, for CUDA, onnxruntime-node's CUDA provider libraries (README, GPUs).
# Runs on a CPU-only host too: providers that are missing are reported as unavailable.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/gpu-check.sh [--providers cuda,webgpu,cpu] [--rounds 3] [--voice ID] [--json FILE]

  --providers LIST  execution providers to try, each on its own (default cuda,webgpu,cpu);
                    one that does not initialise is printed as unavailable with onnxruntime's reason
  --rounds N        timed runs per text; the median is printed (default 3)
  --voice ID        a voice in VOICES_DIR (default en_US-voxqueue_ref-medium); a reference
                    voice (en_US-voxqueue_ref*) is generated first when missing, as
                    `pnpm voices --only ID` does (synthetic weights: the audio is noise)
  --json FILE       also write the figures as JSON
  -h, --help        this text

Prints, per provider: load + warm-up seconds, then for "one word" and "one paragraph" the
audio seconds, median inference seconds and RTF (inference / audio; below 1 is faster than
real time); GPU memory as the worker's gauges (tts_gpu_memory_bytes, tts_gpu_memory_total_bytes)
before and after each provider's runs, or why they are absent; and batch-size scaling
(dynamic batching, BATCH_MAX_SIZE): eight sentences in batches of 1, 2, 4, 8 per provider,
audio s/s and the ratio to batches of 1.
Environment: VOICES_DIR (default data/voices).
USAGE
}

voice=en_US-voxqueue_ref-medium
prev=""
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --voice=*) voice="${arg#--voice=}" ;;
  esac
  [ "$prev" = "--voice" ] && voice="$arg"
  prev="$arg"
done

cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ]; then
  echo "gpu-check: the repository is not installed (node_modules/.bin/tsx missing): run pnpm install --frozen-lockfile first" >&2
  exit 1
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi -L || true
else
  echo "gpu-check: nvidia-smi not on PATH: no NVIDIA GPU gauges here"
fi
case "$voice" in
  en_US-voxqueue_ref*) node --import tsx packages/voice-forge/src/cli.ts --if-missing --only "$voice" >/dev/null ;;
esac
exec node --import tsx apps/worker/src/gpu-check/main.ts "$@"
