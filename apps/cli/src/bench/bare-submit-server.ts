// The baseline of the API measure: a bare node:http server that does what a submit
// must do at least (read the JSON body, one BullMQ Queue.add with a fresh id) and
// nothing else: no validation, catalog, tracing or metrics. Run as its own process;
// prints its URL on stdout. Env: REDIS_URL, QUEUE_NAME.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const queue = new Queue(process.env.QUEUE_NAME!, { connection });
await queue.waitUntilReady();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const id = randomUUID();
    queue.add("synthesize", JSON.parse(Buffer.concat(chunks).toString("utf8")) as object, { jobId: id, attempts: 3 }).then(
      () => {
        res.writeHead(202, { "content-type": "application/json" });
        res.end(JSON.stringify({ id, status: "queued" }));
      },
      () => {
        res.writeHead(503);
        res.end();
      },
    );
  });
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
console.log(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
process.on("SIGTERM", () => {
  server.close();
  void queue
    .close()
    .then(() => connection.quit())
    .then(() => process.exit(0));
});
