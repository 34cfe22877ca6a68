/**
 * The voxqueue Grafana dashboard, as data. `pnpm --filter @voxqueue/infra
 * dashboard:build` writes it to dashboards/voxqueue.json; a test fails when the
 * committed file differs from what this module builds.
 *
 * Queries prefer the recording rules of infra/prometheus/rules/recording.yml (5m
 * windows, de-duplicated queue gauges); raw series appear only where no rule exists.
 */
import { DATASOURCE, layout, type RowSpec, type ThresholdStep } from "./panels.js";

const M = '{model=~"$model"}';
const Q = '{queue=~"$queue"}';
const VOX_JOBS = '{job=~"voxqueue-api|voxqueue-worker"}';

/** Seed: RTF green < 0.5, yellow < 1, red >= 1. */
const RTF_STEPS: ThresholdStep[] = [
  { color: "green", value: null },
  { color: "yellow", value: 0.5 },
  { color: "red", value: 1 },
];
/** Seed: error rate green < 1 %, yellow < 5 %, red > 10 % (orange in between). */
const ERROR_STEPS: ThresholdStep[] = [
  { color: "green", value: null },
  { color: "yellow", value: 1 },
  { color: "orange", value: 5 },
  { color: "red", value: 10 },
];
/** Alert thresholds of TTSGpuMemoryHigh. */
const GPU_STEPS: ThresholdStep[] = [
  { color: "green", value: null },
  { color: "orange", value: 90 },
  { color: "red", value: 95 },
];
/** Alert thresholds of TTSQueueBacklog. */
const QUEUE_STEPS: ThresholdStep[] = [
  { color: "green", value: null },
  { color: "yellow", value: 20 },
  { color: "red", value: 50 },
];
/** Alert thresholds of TTSHighLatency (P99). */
const LATENCY_STEPS: ThresholdStep[] = [
  { color: "green", value: null },
  { color: "orange", value: 5 },
  { color: "red", value: 10 },
];

const synthesisQuantile = (q: number) => `histogram_quantile(${q}, sum by (le) (model_le:tts_synthesis_duration_seconds_bucket:rate5m${M}))`;

export const ROWS: RowSpec[] = [
  {
    title: "Overview",
    height: 6,
    panels: [
      {
        kind: "stat",
        title: "Throughput (req/min)",
        description: "Finished synthesis jobs per minute (success + error), 5m average. Below 1 req/min on a busy day: check server health.",
        queries: [{ expr: `sum(model_status:tts_requests:rate5m${M}) * 60` }],
        unit: "reqpm",
        width: 4,
        thresholds: [
          { color: "orange", value: null },
          { color: "green", value: 1 },
        ],
      },
      {
        kind: "gauge",
        title: "Real-time factor (RTF)",
        description: "Synthesis seconds per second of audio, over the selected voices. Above 1 the fleet is slower than real time.",
        queries: [
          {
            expr: `sum(model:tts_synthesis_duration_seconds_sum:rate5m${M}) / (sum(model:tts_audio_duration_seconds_sum:rate5m${M}) > 0)`,
          },
        ],
        unit: "none",
        width: 4,
        min: 0,
        max: 2,
        decimals: 2,
        thresholds: RTF_STEPS,
      },
      {
        kind: "gauge",
        title: "Error rate (%)",
        description: "Failed jobs as a share of finished jobs, 5m. Alerts: > 1 % P3, > 5 % P2, > 10 % P1.",
        queries: [
          {
            expr: `(sum(model_status:tts_requests:rate5m{model=~"$model",status="error"}) or vector(0)) / (sum(model_status:tts_requests:rate5m${M}) > 0) * 100`,
          },
        ],
        unit: "percent",
        width: 4,
        min: 0,
        max: 100,
        decimals: 1,
        thresholds: ERROR_STEPS,
      },
      {
        kind: "stat",
        title: "Queue length",
        description: "Waiting + prioritized + delayed jobs, de-duplicated across the API and workers. > 20 heads-up, > 50 the autoscaler is not keeping up.",
        queries: [{ expr: `sum(queue:tts_queue_length:sum_max${Q})` }],
        unit: "none",
        width: 4,
        thresholds: QUEUE_STEPS,
      },
      {
        kind: "gauge",
        title: "GPU memory (fullest GPU)",
        description: "Memory used on the fullest GPU of the fleet. > 90 % warning, > 95 % out-of-memory risk.",
        queries: [{ expr: "max(instance_gpu_id:tts_gpu_memory_used:ratio) * 100" }],
        unit: "percent",
        width: 4,
        min: 0,
        max: 100,
        decimals: 1,
        thresholds: GPU_STEPS,
      },
      {
        kind: "stat",
        title: "Jobs in progress",
        description: "Jobs being synthesized right now, all workers.",
        queries: [{ expr: `sum(queue:tts_jobs_in_progress:sum${Q})` }],
        unit: "none",
        width: 4,
      },
    ],
  },
  {
    title: "Synthesis",
    height: 8,
    panels: [
      {
        kind: "timeseries",
        title: "Synthesis latency P50 / P95 / P99",
        description: "Per-job synthesis time. The top bucket is 10 s: a quantile beyond it reads exactly 10.",
        queries: [
          { expr: synthesisQuantile(0.5), legend: "P50" },
          { expr: synthesisQuantile(0.95), legend: "P95" },
          { expr: synthesisQuantile(0.99), legend: "P99" },
        ],
        unit: "s",
        width: 12,
        min: 0,
        thresholds: LATENCY_STEPS,
        thresholdLines: true,
      },
      {
        kind: "timeseries",
        title: "Real-time factor by voice",
        description:
          "RTF = synthesis time / audio time per voice (5m), and the per-job RTF P95 of the selection, which shows the slow tail the ratio averages away.",
        queries: [
          { expr: `model:tts_rtf:ratio_rate5m${M}`, legend: "{{model}}" },
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(tts_rtf_ratio_bucket${M}[$__rate_interval])))`,
            legend: "per-job P95",
          },
        ],
        unit: "none",
        width: 12,
        min: 0,
        decimals: 2,
        thresholds: RTF_STEPS,
        thresholdLines: true,
      },
      {
        kind: "timeseries",
        title: "Throughput by outcome (req/min)",
        description: "Finished jobs per minute by status, 5m average.",
        queries: [{ expr: `sum by (status) (model_status:tts_requests:rate5m${M}) * 60`, legend: "{{status}}" }],
        unit: "reqpm",
        width: 12,
        min: 0,
        stacked: true,
      },
      {
        kind: "timeseries",
        title: "Error rate by voice (%)",
        description: "Failed jobs as a share of finished jobs per voice, 5m.",
        queries: [{ expr: `model:tts_requests_errors:ratio_rate5m${M} * 100`, legend: "{{model}}" }],
        unit: "percent",
        width: 12,
        min: 0,
        thresholds: ERROR_STEPS,
        thresholdLines: true,
      },
      {
        kind: "timeseries",
        title: "Errors by type (per min)",
        description: "API: invalid_input rejections. Workers: job failures by type (timeout, oom, model_error, storage_error, internal).",
        queries: [{ expr: "sum by (job, error_type) (job_error_type:tts_errors:rate5m) * 60", legend: "{{job}} {{error_type}}" }],
        unit: "none",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Audio duration per job",
        description: "Length of the generated audio: P50, P95 and mean. Longer texts explain slower jobs.",
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(tts_audio_duration_seconds_bucket${M}[$__rate_interval])))`,
            legend: "P50",
          },
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(tts_audio_duration_seconds_bucket${M}[$__rate_interval])))`,
            legend: "P95",
          },
          {
            expr: `sum(rate(tts_audio_duration_seconds_sum${M}[$__rate_interval])) / (sum(rate(tts_audio_duration_seconds_count${M}[$__rate_interval])) > 0)`,
            legend: "mean",
          },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
    ],
  },
  {
    title: "Queue",
    height: 8,
    panels: [
      {
        kind: "timeseries",
        title: "Queue length by state",
        description: "Backlog from Redis, de-duplicated (max by queue, state) across the API and every worker.",
        queries: [
          { expr: `sum by (state) (queue_state:tts_queue_length:max${Q})`, legend: "{{state}}" },
          { expr: `sum(queue:tts_queue_length:sum_max${Q})`, legend: "backlog" },
        ],
        unit: "none",
        width: 12,
        min: 0,
        thresholds: QUEUE_STEPS,
        thresholdLines: true,
      },
      {
        kind: "timeseries",
        title: "Queue wait P50 / P95",
        description:
          "Time from enqueue to a worker starting the job, per queue (each lane of a pool is a queue of its own). TTSQueueWaitHigh fires at an interactive lane's P95 > 60 s.",
        queries: [
          { expr: `queue_lane:tts_queue_wait_seconds:p50_rate5m${Q}`, legend: "P50 {{queue}}" },
          { expr: `queue_lane:tts_queue_wait_seconds:p95_rate5m${Q}`, legend: "P95 {{queue}}" },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Queue wait by lane",
        description:
          "Time from enqueue to a worker starting the job, by priority lane over the selected queues. Interactive jobs go first; batch jobs (long-form chunks, bulk) get at least 1 in BATCH_SHARE_EVERY inference picks, so their wait grows with the backlog by design.",
        queries: [
          { expr: `histogram_quantile(0.5, sum by (lane, le) (rate(tts_queue_wait_seconds_bucket${Q}[$__rate_interval])))`, legend: "P50 {{lane}}" },
          { expr: `histogram_quantile(0.95, sum by (lane, le) (rate(tts_queue_wait_seconds_bucket${Q}[$__rate_interval])))`, legend: "P95 {{lane}}" },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Jobs by status",
        description: "BullMQ job counts by state. completed and failed are the jobs still retained (JOB_RETENTION_SECONDS), not totals.",
        queries: [{ expr: `sum by (state) (queue_state:tts_queue_jobs:max${Q})`, legend: "{{state}}" }],
        unit: "none",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Jobs in progress per worker",
        description: "Concurrent jobs on each worker; a worker stuck at 0 while the queue is long is not consuming.",
        queries: [{ expr: `sum by (instance) (tts_jobs_in_progress${Q})`, legend: "{{instance}}" }],
        unit: "none",
        width: 12,
        min: 0,
        stacked: true,
      },
    ],
  },
  {
    title: "GPU",
    height: 8,
    panels: [
      {
        kind: "timeseries",
        title: "GPU memory used (%)",
        description: "Per GPU and worker. Only GPU workers export tts_gpu_memory_bytes.",
        queries: [{ expr: "instance_gpu_id:tts_gpu_memory_used:ratio * 100", legend: "{{instance}} GPU {{gpu_id}}" }],
        unit: "percent",
        width: 16,
        min: 0,
        max: 100,
        thresholds: GPU_STEPS,
        thresholdLines: true,
      },
      {
        kind: "timeseries",
        title: "Workers by execution provider",
        description:
          "Workers running voices on each onnxruntime execution provider. A GPU worker counted under cpu could not " +
          "initialise its GPU provider (its start-up log says why).",
        queries: [{ expr: "count by (execution_provider) (tts_worker_info)", legend: "{{execution_provider}}" }],
        unit: "none",
        width: 8,
        min: 0,
        stacked: true,
      },
    ],
  },
  {
    title: "Webhooks",
    height: 8,
    panels: [
      {
        kind: "timeseries",
        title: "Webhook deliveries by outcome (per min)",
        description:
          "Delivery attempts of jobs' outcome events, 5m rate × 60. retried: a failed attempt with attempts left; dead: given up (dead letter); refused: the SSRF guard refused the target at delivery. Any dead or refused fires TTSWebhookDeadLetters.",
        queries: [{ expr: "outcome:tts_webhook_deliveries:rate5m * 60", legend: "{{outcome}}" }],
        unit: "none",
        width: 12,
        min: 0,
        stacked: true,
      },
      {
        kind: "timeseries",
        title: "Webhook attempt duration P95",
        description: "Connect, send and answer of one delivery attempt; attempts end at WEBHOOK_TIMEOUT_MS (timeouts are retried).",
        queries: [
          {
            expr: `histogram_quantile(0.95, sum by (outcome, le) (rate(tts_webhook_delivery_duration_seconds_bucket[$__rate_interval])))`,
            legend: "{{outcome}}",
          },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
    ],
  },
  {
    title: "API and processes",
    height: 8,
    panels: [
      {
        kind: "timeseries",
        title: "API requests by status code (req/s)",
        description: "HTTP requests served by the API, 5m rate; /healthz, /readyz and /metrics left out.",
        queries: [{ expr: "status_code:tts_http_requests:rate5m", legend: "{{status_code}}" }],
        unit: "reqps",
        width: 12,
        min: 0,
        stacked: true,
      },
      {
        kind: "timeseries",
        title: "API latency P95 by route",
        description: "Time to answer HTTP requests (enqueueing, status, audio download); synthesis happens on the workers.",
        queries: [
          {
            expr: `histogram_quantile(0.95, sum by (route, le) (rate(tts_http_request_duration_seconds_bucket{route!~"/healthz|/readyz|/metrics"}[$__rate_interval])))`,
            legend: "{{route}}",
          },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Refused requests by reason (req/s)",
        description:
          "Requests the API refused before any work: unauthorized (no or unknown API key), rate_limited (a key's submit rate), in_flight_limit (a key's jobs in flight), queue_full (backlog at MAX_QUEUED_JOBS: add workers).",
        queries: [{ expr: "sum by (reason) (rate(tts_requests_refused_total[$__rate_interval]))", legend: "{{reason}}" }],
        unit: "reqps",
        width: 12,
        min: 0,
        stacked: true,
      },
      {
        kind: "timeseries",
        title: "Time to first audio P50 / P95 (streamed speech)",
        description:
          "Streamed speech (POST /v1/audio/speech in pcm/mp3/opus/aac or SSE, GET /v1/jobs/:id/audio/stream): from the request's arrival to its first audio bytes sent. Queue wait counts in it; the first sentence is split at a clause to keep it short.",
        queries: [
          { expr: "histogram_quantile(0.5, sum by (le) (rate(tts_time_to_first_audio_seconds_bucket[$__rate_interval])))", legend: "P50" },
          { expr: "histogram_quantile(0.95, sum by (le) (rate(tts_time_to_first_audio_seconds_bucket[$__rate_interval])))", legend: "P95" },
        ],
        unit: "s",
        width: 12,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Process RSS",
        description: "Resident memory of each API and worker process (workers hold the ONNX sessions).",
        queries: [{ expr: `process_resident_memory_bytes${VOX_JOBS}`, legend: "{{job}} {{instance}}" }],
        unit: "bytes",
        width: 8,
        min: 0,
      },
      {
        kind: "timeseries",
        title: "Event loop lag P99",
        description: "Node.js event loop lag. Inference runs off the main thread, so a high value on a worker is a bug.",
        queries: [{ expr: `nodejs_eventloop_lag_p99_seconds${VOX_JOBS}`, legend: "{{job}} {{instance}}" }],
        unit: "s",
        width: 8,
        min: 0,
      },
      {
        kind: "stat",
        title: "Targets up",
        description: "Scrape targets answering, by job. TTSServerDown fires after 1m of failures.",
        queries: [{ expr: `sum by (job) (up${VOX_JOBS})`, legend: "{{job}}" }],
        unit: "none",
        width: 8,
        thresholds: [
          { color: "red", value: null },
          { color: "green", value: 1 },
        ],
      },
    ],
  },
];

const queryVariable = (name: string, label: string, metric: string) => ({
  name,
  label,
  type: "query",
  datasource: DATASOURCE,
  definition: `label_values(${metric}, ${name})`,
  query: { qryType: 1, query: `label_values(${metric}, ${name})`, refId: `${name}-variable` },
  refresh: 2,
  sort: 1,
  multi: true,
  includeAll: true,
  // Regex-friendly "All", so `=~"$model"` matches every value.
  allValue: ".*",
  current: { selected: true, text: ["All"], value: ["$__all"] },
  options: [],
  hide: 0,
  regex: "",
});

/** The whole dashboard JSON object. */
export function buildDashboard(): Record<string, unknown> {
  return {
    uid: "voxqueue-overview",
    title: "voxqueue",
    description: "Queue-based text-to-speech: latency, RTF, throughput, errors, queue, GPU. Alerts and runbooks: infra/.",
    tags: ["voxqueue", "tts"],
    editable: true,
    graphTooltip: 1,
    timezone: "browser",
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    schemaVersion: 39,
    version: 1,
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: "grafana", uid: "-- Grafana --" },
          enable: true,
          hide: true,
          iconColor: "rgba(0, 211, 255, 1)",
          name: "Annotations & Alerts",
          type: "dashboard",
        },
      ],
    },
    links: [],
    templating: {
      list: [
        {
          name: "datasource",
          label: "Data source",
          type: "datasource",
          query: "prometheus",
          current: {},
          hide: 0,
          refresh: 1,
          regex: "",
          includeAll: false,
          multi: false,
          options: [],
        },
        queryVariable("model", "Voice", "tts_requests_total"),
        queryVariable("queue", "Queue", "tts_queue_length"),
      ],
    },
    panels: layout(ROWS),
  };
}
