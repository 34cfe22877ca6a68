import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Lane } from "@voxqueue/contracts";
import { LaneScheduler } from "../src/inference/lanes";

/** Queues named requests; `granted` lists their names in pick order. */
function harness(batchShareEvery: number) {
  const scheduler = new LaneScheduler<number>(batchShareEvery);
  const granted: string[] = [];
  const push = (name: string, lane: Lane | (() => Lane)) =>
    scheduler.push({ lane: typeof lane === "function" ? lane : () => lane, grant: () => granted.push(name), fail: () => granted.push(`${name}!`) });
  return { scheduler, granted, push };
}

describe("LaneScheduler", () => {
  it("with both lanes waiting: three interactive, then one batch (BATCH_SHARE_EVERY 4), oldest first in each lane", () => {
    const { scheduler, granted, push } = harness(4);
    for (let i = 0; i < 3; i++) push(`b${i}`, "batch");
    for (let i = 0; i < 10; i++) push(`i${i}`, "interactive");
    while (scheduler.pick(0));
    expect(granted.join(" ")).toBe("i0 i1 i2 b0 i3 i4 i5 b1 i6 i7 i8 b2 i9");
  });

  it("BATCH_SHARE_EVERY 2 alternates; a lone lane is served in order; nobody waiting leaves the thread free", () => {
    const { scheduler, granted, push } = harness(2);
    for (let i = 0; i < 3; i++) push(`i${i}`, "interactive");
    for (let i = 0; i < 3; i++) push(`b${i}`, "batch");
    while (scheduler.pick(0));
    expect(granted.join(" ")).toBe("i0 b0 i1 b1 i2 b2");
    expect(scheduler.pick(0)).toBe(false);
  });

  it("an interactive request that arrives behind a batch backlog waits for at most one batch pick", () => {
    const { scheduler, granted, push } = harness(4);
    for (let i = 0; i < 200; i++) push(`b${i}`, "batch");
    scheduler.pick(0);
    scheduler.pick(0);
    push("i0", "interactive");
    scheduler.pick(0);
    expect(granted).toEqual(["b0", "b1", "i0"]);
  });

  it("counts only interactive picks that passed a waiting batch request", () => {
    const { scheduler, granted, push } = harness(3);
    push("i0", "interactive");
    push("i1", "interactive");
    scheduler.pick(0);
    scheduler.pick(0); // no batch waited: no debt to batch
    push("b0", "batch");
    push("i2", "interactive");
    push("i3", "interactive");
    push("i4", "interactive");
    while (scheduler.pick(0));
    expect(granted.join(" ")).toBe("i0 i1 i2 i3 b0 i4");
  });

  it("reads the lane at each pick: a waiting batch that gains an interactive sentence moves up", () => {
    const { scheduler, granted, push } = harness(4);
    let late: Lane = "batch";
    push("b0", "batch");
    push("group", () => late);
    late = "interactive";
    scheduler.pick(0);
    expect(granted).toEqual(["group"]);
  });

  it("close fails every waiting request", () => {
    const { scheduler, granted, push } = harness(4);
    push("i0", "interactive");
    push("b0", "batch");
    scheduler.close(new Error("closed"));
    expect(granted).toEqual(["i0!", "b0!"]);
    expect(scheduler.size).toBe(0);
  });

  it("refuses a share below 2", () => {
    expect(() => new LaneScheduler(1)).toThrow(RangeError);
  });

  it("any arrival order: at most N−1 interactive picks in a row pass a waiting batch request, an interactive one with none ahead waits for at most one batch pick, each lane FIFO", () => {
    // A step pushes a request of a lane or frees a thread (a pick); the rest are drained after.
    const step = fc.constantFrom("i" as const, "b" as const, "pick" as const);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.array(step, { maxLength: 300 }), (n, steps) => {
        const scheduler = new LaneScheduler<number>(n);
        const waiting: { lane: Lane; id: number; firstInLane: boolean; batchPicksPassed: number }[] = [];
        const order: Record<Lane, number[]> = { interactive: [], batch: [] };
        let streak = 0;
        let next = 0;
        const onPick = (lane: Lane, id: number) => {
          const batchWaited = waiting.some((w) => w.lane === "batch" && w.id !== id);
          streak = lane === "interactive" && batchWaited ? streak + 1 : 0;
          expect(streak).toBeLessThanOrEqual(n - 1);
          const [me] = waiting.splice(
            waiting.findIndex((w) => w.id === id),
            1,
          );
          if (me!.firstInLane) expect(me!.batchPicksPassed).toBeLessThanOrEqual(1);
          if (lane === "batch") for (const w of waiting) w.batchPicksPassed++;
          order[lane].push(id);
        };
        for (const s of [...steps, ...steps.map(() => "pick" as const)]) {
          if (s === "pick") {
            scheduler.pick(0);
            continue;
          }
          const lane: Lane = s === "i" ? "interactive" : "batch";
          const id = next++;
          waiting.push({ lane, id, firstInLane: !waiting.some((w) => w.lane === lane), batchPicksPassed: 0 });
          scheduler.push({ lane: () => lane, grant: () => onPick(lane, id), fail: () => undefined });
        }
        expect(scheduler.size).toBe(0);
        for (const ids of Object.values(order)) expect(ids).toEqual([...ids].sort((x, y) => x - y));
      }),
      { numRuns: 500 },
    );
  });
});
