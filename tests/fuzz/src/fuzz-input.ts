import { VoxqueueError } from "@voxqueue/contracts";

/**
 * Reads values off the fuzzer's bytes, front to back; past the end every read gives zero
 * (or an empty string), so any input, even an empty one, decodes. Small changes to the bytes
 * are small changes to the values, which lets a coverage-guided fuzzer steer them.
 */
export class FuzzInput {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return Math.max(0, this.bytes.length - this.at);
  }

  /** One byte, 0-255. */
  byte(): number {
    return this.at < this.bytes.length ? this.bytes[this.at++]! : 0;
  }

  /** One of `choices`, picked by the next byte. */
  pick<T>(choices: readonly T[]): T {
    return choices[this.byte() % choices.length]!;
  }

  /** A float64 from the next 8 bytes: any double, NaN, ±Infinity, -0 and subnormals included. */
  float64(): number {
    const raw = new Uint8Array(8);
    for (let i = 0; i < 8; i++) raw[i] = this.byte();
    return new DataView(raw.buffer).getFloat64(0, true);
  }

  /** A string of the next `byte()` (or all remaining, with `rest`) bytes, decoded as UTF-8 or as UTF-16LE (lone surrogates possible). */
  string(opts: { rest?: boolean } = {}): string {
    const utf16 = (this.byte() & 1) === 1;
    const length = opts.rest ? this.remaining : this.byte();
    const chunk = this.bytes.subarray(this.at, this.at + length);
    this.at += chunk.length;
    return utf16 ? decodeUtf16(chunk) : Buffer.from(chunk).toString("utf8");
  }
}

function decodeUtf16(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return s;
}

/** A finding: the target broke one of its promises on this input. */
export class FuzzFindingError extends Error {
  override readonly name = "FuzzFindingError";
}

/** What the API may repeat as the field at fault (resolve-request.ts's FIELD_NAME, and "body"). */
const SAFE_FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** An error message longer than this would be repeating the client's input. */
const MAX_MESSAGE_CHARS = 500;

/**
 * Checks what a request parser threw: a {@link VoxqueueError} of a 4xx type, naming a field
 * safe to repeat, with a short message, is a refusal the API answers as the client's fault.
 * @throws the error itself when it is anything else (a crash), or a FuzzFindingError for a bad field or message
 */
export function assertClassifiedRefusal(err: unknown): void {
  if (!(err instanceof VoxqueueError) || err.status < 400 || err.status >= 500) throw err;
  if (err.field === undefined || !SAFE_FIELD.test(err.field)) throw new FuzzFindingError(`field ${JSON.stringify(err.field)} is not one safe to repeat`);
  if (err.message.length === 0 || err.message.length > MAX_MESSAGE_CHARS) throw new FuzzFindingError(`a ${err.message.length}-character error message`);
}
