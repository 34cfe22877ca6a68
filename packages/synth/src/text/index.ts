export { normalizeText, type NormalizeOptions } from "./normalize.js";
export { chunkText, DEFAULT_CHUNK_BYTES, type ChunkOptions } from "./chunk.js";
