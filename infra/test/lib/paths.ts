import { fileURLToPath } from "node:url";

const at = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** Files the tests check; the same paths are documented in infra/README.md. */
export const PATHS = {
  prometheusConfig: at("prometheus/prometheus.yml"),
  prometheusK8sConfig: at("prometheus/prometheus.k8s.yml"),
  prometheusLocalTemplate: at("prometheus/prometheus.local.yml.tmpl"),
  rulesDir: at("prometheus/rules"),
  recordingRules: at("prometheus/rules/recording.yml"),
  alertRules: at("prometheus/rules/alerts.yml"),
  ruleTestsDir: at("prometheus/tests"),
  alertmanagerConfig: at("alertmanager/alertmanager.yml"),
  lokiConfig: at("loki/loki.yml"),
  promtailConfig: at("promtail/promtail.yml"),
  tempoConfig: at("tempo/tempo.yml"),
  grafanaDatasources: at("grafana/provisioning/datasources/voxqueue.yml"),
  grafanaDashboardProvider: at("grafana/provisioning/dashboards/voxqueue.yml"),
  runbooksDir: at("runbooks"),
  k8sDir: at("k8s"),
  /** The repository root: the images' working directory (infra/docker/Dockerfile copies it to /app). */
  repoRoot: at(".."),
  dashboard: at("../dashboards/voxqueue.json"),
} as const;

/** Base of every alert's runbook_url. */
export const RUNBOOK_BASE_URL = "https://github.com/voxqueue/voxqueue/blob/main/infra/runbooks/";
