import type { ApiConfig } from "@voxqueue/config";
import type { Logger } from "@voxqueue/telemetry";
import { KeyStore } from "./key-store.js";

/**
 * The API keys of `API_KEYS_FILE`, watched for changes; undefined (and a warning)
 * when it is unset and the API runs open. A file that cannot be read or parsed is
 * a start-up failure: a broken key file must never open the API.
 * @throws ApiKeysFileError naming the file and the bad line
 */
export function loadKeys(config: Pick<ApiConfig, "API_KEYS_FILE">, logger: Logger): KeyStore | undefined {
  const file = config.API_KEYS_FILE;
  if (file === undefined) {
    logger.warn("API_KEYS_FILE is not set: the API runs open (anyone who reaches it can submit jobs and read every job); see README, Security");
    return undefined;
  }
  const keys = KeyStore.fromFile(file);
  keys.watch(file, logger);
  if (keys.size === 0) logger.warn({ file }, "API_KEYS_FILE has no keys: every /v1 request is refused until one is added (pnpm keys add NAME)");
  else logger.info({ file, api_keys: keys.size }, "API keys loaded: every /v1 route needs one");
  return keys;
}
