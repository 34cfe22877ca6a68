// The request body parsers alone (no Express, Redis or BullMQ behind them): what the fuzz
// targets in tests/fuzz load, as "@voxqueue/api/request-parsers".
export { createJobRequestParser, type JobRequestParser } from "./resolve-request.js";
export { createSpeechRequestParser, type SpeechRequestParser } from "./openai/speech-request.js";
