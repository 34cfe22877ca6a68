import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * A tiny HTTP server for the worker: `GET /metrics` (Prometheus text format) and
 * `GET /healthz` (liveness: the event loop answers, so inference is off this thread).
 * @returns the listening server and its base URL
 */
export async function startMetricsServer(registry: Registry, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(body);
        })
        .catch((err: Error) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`metrics collection failed: ${err.message}\n`);
        });
    } else if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"type":"not_found","message":"unknown path; try /metrics or /healthz"}}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const shownHost = host === "0.0.0.0" ? "127.0.0.1" : host;
  return { server, url: `http://${shownHost}:${actualPort}` };
}
