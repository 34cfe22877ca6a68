// The worker thread behind phonemizeIsolated (synckit): owns the phonemizer child process,
// sends it one text at a time, and replaces it when it dies, hangs, or has served its share
// of texts. Plain JavaScript, so that the thread needs no TypeScript loader.
import { fork } from "node:child_process";
import { runAsWorker } from "synckit";

let child;
let served = 0;

function start(setup) {
  const next = fork(setup.childPath, [], { execArgv: setup.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  next.on("error", () => {}); // a failed send is seen as the child's exit
  next.unref();
  next.channel?.unref();
  return next;
}

function retire(old) {
  if (old.connected) old.disconnect();
}

function ask(target, request, timeoutMs) {
  return new Promise((resolve) => {
    const done = (reply) => {
      clearTimeout(timer);
      target.off("message", done);
      target.off("exit", onExit);
      resolve(reply);
    };
    const onExit = (code, signal) => done({ crashed: signal ?? `exit ${code}` });
    const timer = setTimeout(() => {
      target.kill("SIGKILL");
      done({ crashed: "timeout" });
    }, timeoutMs);
    target.on("message", done);
    target.once("exit", onExit);
    target.send(request, (err) => {
      if (err) done({ crashed: `send failed: ${err.message}` });
    });
  });
}

runAsWorker(async (setup, request) => {
  let crashed = "";
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (child && served >= setup.recycleAfter) {
      retire(child);
      child = undefined;
    }
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      child = start(setup);
      served = 0;
    }
    served++;
    const reply = await ask(child, request, setup.timeoutMs);
    if (!("crashed" in reply)) return reply;
    crashed = reply.crashed;
    child = undefined;
  }
  return { crashed };
});
