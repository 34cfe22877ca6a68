import { endianness } from "node:os";
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";
import { fillNormal, fillUniform, streamFor } from "../rng";

const { onnx: proto } = onnxProto;

/** ONNX element types used by the forge (onnx.proto `TensorProto.DataType`). */
export const DataType = { FLOAT: 1, BOOL: 9, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** One node attribute value; the key names the ONNX attribute kind. */
export type AttrValue = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

/** Helpers that build {@link AttrValue}s, e.g. `{ axis: int(1), alpha: float(0.1) }`. */
export const int = (i: number): AttrValue => ({ i });
export const float = (f: number): AttrValue => ({ f });
export const ints = (v: number[]): AttrValue => ({ ints: v });

/**
 * How a weight tensor's values are drawn. `normal`/`uniform` draw from the tensor's own
 * seeded stream (see `rng.ts`); `constant` fills one value (LayerNorm gammas, biases).
 */
export type WeightInit =
  | { kind: "normal"; std: number; mean?: number }
  | { kind: "uniform"; bound: number }
  | { kind: "constant"; value: number }
  | { kind: "pieces"; pieces: Array<{ count: number; init: WeightInit }> };

interface WeightSpec {
  name: string;
  dims: number[];
  init: WeightInit;
}

/** A graph input or output: name, element type and dims (a string is a symbolic dim). */
export interface ValueSpec {
  name: string;
  type: ElemType;
  dims: (number | string)[];
}

/** Progress of {@link GraphBuilder.materialize}, in parameters. */
export type MaterializeProgress = (done: number, total: number) => void;

class GraphState {
  readonly nodes: onnx.INodeProto[] = [];
  readonly weights: WeightSpec[] = [];
  readonly weightNames = new Set<string>();
  readonly constants: onnx.ITensorProto[] = [];
  readonly constantByKey = new Map<string, string>();
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  counter = 0;
}

const littleEndian = endianness() === "LE";

function bytesOf(view: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (littleEndian) return bytes;
  // ONNX raw_data is little-endian whatever the host is.
  const swapped = new Uint8Array(bytes.length);
  const width = view.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) swapped[i + j] = bytes[i + width - 1 - j]!;
  }
  return swapped;
}

function fillInit(data: Float32Array, init: WeightInit, seed: number, name: string): void {
  switch (init.kind) {
    case "constant":
      data.fill(init.value);
      return;
    case "normal":
      fillNormal(streamFor(seed, name), data, init.std, init.mean ?? 0);
      return;
    case "uniform":
      fillUniform(streamFor(seed, name), data, init.bound);
      return;
    case "pieces": {
      // Consecutive runs of the flattened tensor (row-major), e.g. the m and logs
      // halves of a projection; each piece has its own stream.
      let offset = 0;
      init.pieces.forEach((piece, k) => {
        fillInit(data.subarray(offset, offset + piece.count), piece.init, seed, `${name}#${k}`);
        offset += piece.count;
      });
      if (offset !== data.length) throw new Error(`${name}: pieces cover ${offset} of ${data.length} values`);
    }
  }
}

function attributeProto(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = proto.AttributeProto.AttributeType;
  if ("i" in value) return { name, type: T.INT, i: value.i };
  if ("f" in value) return { name, type: T.FLOAT, f: value.f };
  if ("ints" in value) return { name, type: T.INTS, ints: value.ints };
  if ("floats" in value) return { name, type: T.FLOATS, floats: value.floats };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.s) };
}

function valueInfo(spec: ValueSpec): onnx.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: spec.type,
        shape: { dim: spec.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Builds an ONNX graph node by node. Weights are declared with their shape and
 * initialiser only; their values are drawn later by {@link materialize}, so a graph's
 * parameter count is known without generating anything. Scoped views
 * (`b.scope("dec")`) share one graph and prefix weight and node names, which follow
 * PyTorch state-dict names (`enc_p.encoder.attn_layers.0.conv_q.weight`).
 */
export class GraphBuilder {
  private constructor(
    private readonly state: GraphState,
    readonly prefix: string,
  ) {}

  /** A new, empty graph. */
  static create(): GraphBuilder {
    return new GraphBuilder(new GraphState(), "");
  }

  /** A view of the same graph whose names are prefixed with `name.`. */
  scope(name: string): GraphBuilder {
    return new GraphBuilder(this.state, this.prefix ? `${this.prefix}.${name}` : name);
  }

  /** Declares a graph input; returns its name. */
  input(spec: ValueSpec): string {
    this.state.inputs.push(spec);
    return spec.name;
  }

  /** Declares a graph output; `tensor` (a node output) is renamed to `spec.name` with an Identity. */
  output(tensor: string, spec: ValueSpec): void {
    this.op("Identity", [tensor], {}, spec.name);
    this.state.outputs.push(spec);
  }

  /**
   * Declares a learned weight; returns its (prefixed) name.
   * @throws Error when the name is already taken, or `pieces` do not cover the tensor
   */
  weight(name: string, dims: number[], init: WeightInit): string {
    const full = this.prefix ? `${this.prefix}.${name}` : name;
    if (this.state.weightNames.has(full)) throw new Error(`duplicate weight ${full}`);
    const size = dims.reduce((a, b) => a * b, 1);
    if (init.kind === "pieces" && init.pieces.reduce((n, piece) => n + piece.count, 0) !== size) {
      throw new Error(`${full}: init pieces do not cover its ${size} values`);
    }
    this.state.weightNames.add(full);
    this.state.weights.push({ name: full, dims, init });
    return full;
  }

  /** A float32 constant initializer (deduplicated); `dims` defaults to 1-D. Scalars: `dims = []`. */
  constFloat(values: number[], dims: number[] = [values.length]): string {
    return this.constant("f", values, dims);
  }

  /** An int64 constant initializer (deduplicated); `dims` defaults to 1-D. Scalars: `dims = []`. */
  constInt64(values: number[], dims: number[] = [values.length]): string {
    return this.constant("i", values, dims);
  }

  private constant(kind: "f" | "i", values: number[], dims: number[]): string {
    const key = `${kind}:${dims.join("x")}:${values.join(",")}`;
    const known = this.state.constantByKey.get(key);
    if (known) return known;
    const name = `const_${this.state.constantByKey.size}`;
    const data = kind === "f" ? new Float32Array(values) : BigInt64Array.from(values, (v) => BigInt(v));
    this.state.constants.push({
      name,
      dims,
      dataType: kind === "f" ? DataType.FLOAT : DataType.INT64,
      rawData: bytesOf(data),
    });
    this.state.constantByKey.set(key, name);
    return name;
  }

  /** Adds a one-output node; returns the output name (or `outName` when given). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    return this.opN(opType, inputs, 1, attrs, outName ? [outName] : undefined)[0]!;
  }

  /** Adds a node with `nOut` outputs; returns their names. */
  opN(opType: string, inputs: string[], nOut: number, attrs: Record<string, AttrValue> = {}, outNames?: string[]): string[] {
    const id = this.state.counter++;
    const base = `${this.prefix || "graph"}/${opType}_${id}`;
    const output = outNames ?? Array.from({ length: nOut }, (_, k) => (nOut === 1 ? base : `${base}:${k}`));
    this.state.nodes.push({
      name: base,
      opType,
      input: inputs,
      output,
      attribute: Object.entries(attrs).map(([name, value]) => attributeProto(name, value)),
    });
    return output;
  }

  /** Number of learned parameters declared so far (constants excluded). */
  get parameterCount(): number {
    let n = 0;
    for (const w of this.state.weights) n += w.dims.reduce((a, b) => a * b, 1);
    return n;
  }

  /** Number of nodes so far. */
  get nodeCount(): number {
    return this.state.nodes.length;
  }

  /**
   * Draws every weight from its seeded stream and returns the initializers
   * (float32 raw_data). Deterministic: same seed and graph, same bytes.
   */
  materialize(seed: number, onProgress?: MaterializeProgress): onnx.ITensorProto[] {
    const total = this.parameterCount;
    let done = 0;
    let lastReport = -1;
    const out: onnx.ITensorProto[] = [];
    for (const w of this.state.weights) {
      const size = w.dims.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      fillInit(data, w.init, seed, w.name);
      out.push({ name: w.name, dims: w.dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });
      done += size;
      // Report about every 2% so a CLI can draw progress without flooding.
      const step = Math.floor((50 * done) / total);
      if (onProgress && step !== lastReport) {
        lastReport = step;
        onProgress(done, total);
      }
    }
    return out;
  }

  /**
   * Assembles the ModelProto (opset 15, IR version 8, like Piper's export).
   * @param initializers the materialized weights (from {@link materialize})
   */
  toModel(initializers: onnx.ITensorProto[], meta: { graphName: string; docString: string; metadata: Record<string, string> }): onnx.IModelProto {
    const s = this.state;
    return {
      irVersion: 8,
      opsetImport: [{ domain: "", version: 15 }],
      producerName: "voxqueue-voice-forge",
      producerVersion: "0.1.0",
      docString: meta.docString,
      metadataProps: Object.entries(meta.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: meta.graphName,
        node: s.nodes,
        initializer: [...initializers, ...s.constants],
        input: s.inputs.map(valueInfo),
        output: s.outputs.map(valueInfo),
      },
    };
  }
}

/** Serializes a model to protobuf bytes. */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return proto.ModelProto.encode(model).finish();
}

/** Parses protobuf bytes back to a model (tests, inspection). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return proto.ModelProto.decode(bytes);
}
