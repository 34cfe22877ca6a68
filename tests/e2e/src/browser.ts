import { join } from "node:path";
import { REPO_ROOT } from "@voxqueue/config";

/** The browser the console test drives: Debian's chromium (`CHROMIUM_PATH` to use another); never downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where tests write what a person may want to look at (screenshots): `E2E_OUTPUT_DIR`, default `tests/e2e/output`. */
export const E2E_OUTPUT_DIR = process.env.E2E_OUTPUT_DIR ?? join(REPO_ROOT, "tests", "e2e", "output");
