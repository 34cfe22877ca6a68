import { FuzzInput, assertClassifiedRefusal } from "./fuzz-input.js";

/** Deepest nesting {@link fuzzJson} builds (bodies past body-parser are plain JSON values). */
const MAX_DEPTH = 12;

/**
 * A JSON value read off the fuzzer's bytes: null, booleans, any float64 (NaN and ±Infinity
 * become null, as JSON.stringify writes them), small integers, strings of any code units,
 * arrays and objects; object keys are often one of `keys`, values often one of `values`
 * (a request's field names and values it accepts), so the fuzzer reaches past "unknown field".
 */
export function fuzzJson(input: FuzzInput, keys: readonly string[], values: readonly unknown[], depth = 0): unknown {
  const kind = input.byte() % (depth >= MAX_DEPTH ? 5 : 8);
  switch (kind) {
    case 0:
      return input.pick(values);
    case 1:
      return input.byte() % 3 === 0 ? null : input.byte() % 2 === 0;
    case 2: {
      const n = input.float64();
      return Number.isFinite(n) ? n : null;
    }
    case 3:
      return (input.byte() << 24) >> 24; // -128..127
    case 4:
      return input.string();
    case 5:
      return Array.from({ length: input.byte() % 8 }, () => fuzzJson(input, keys, values, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let n = input.byte() % 10; n > 0 && input.remaining > 0; n--) {
        const key = input.byte() % 4 === 0 ? input.string() : input.pick(keys);
        // As JSON.parse does: an own property, even for "__proto__".
        Object.defineProperty(object, key, { value: fuzzJson(input, keys, values, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return object;
    }
  }
}

/**
 * A request body from the fuzzer's bytes, as express.json would hand it to a route: byte 0
 * picks either the rest of the bytes as JSON text (undefined when it does not parse: body-parser
 * answers that 400 itself) or a value built by {@link fuzzJson}.
 */
export function fuzzBody(input: FuzzInput, keys: readonly string[], values: readonly unknown[]): unknown {
  if (input.byte() % 2 === 0) {
    try {
      return JSON.parse(input.string({ rest: true })) as unknown;
    } catch {
      return undefined;
    }
  }
  return fuzzJson(input, keys, values);
}

/**
 * A request parser on a body from the fuzzer's bytes ({@link fuzzBody}): the parsed request,
 * or undefined when the body is not JSON or the parser refused it as the client's fault.
 * @throws whatever else the parser threw (a finding), or a FuzzFindingError for a refusal with a bad field or message
 */
export function parseFuzzedBody<T>(data: Uint8Array, parse: (body: unknown) => T, keys: readonly string[], values: readonly unknown[]): T | undefined {
  const body = fuzzBody(new FuzzInput(data), keys, values);
  if (body === undefined) return undefined;
  try {
    return parse(body);
  } catch (err) {
    assertClassifiedRefusal(err);
    return undefined;
  }
}
