import type { JobView } from "@voxqueue/contracts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Shows a job's progress on stderr: one updating line on a terminal, one line per
 * status change otherwise (logs, CI).
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  let frame = 0;
  let last = "";
  return {
    update(job: JobView, elapsedMs: number) {
      const status = job.status === "queued" && job.attempts ? `queued (retry ${job.attempts})` : job.status;
      const line = `${FRAMES[frame++ % FRAMES.length]} job ${job.id.slice(0, 8)}… ${status} ${(elapsedMs / 1000).toFixed(1)} s`;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
      else if (status !== last) stream.write(`job ${job.id} ${status} after ${(elapsedMs / 1000).toFixed(1)} s\n`);
      last = status;
    },
    done() {
      if (stream.isTTY) stream.write("\r\x1b[2K");
    },
  };
}
