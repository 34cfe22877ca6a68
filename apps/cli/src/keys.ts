// `pnpm keys add NAME`: makes a new API key, prints it once and appends its hash to
// API_KEYS_FILE; `pnpm keys list` and `pnpm keys remove NAME` read and edit that file.
import { parseArgs } from "node:util";
import { API_KEY_NAME_PATTERN, API_KEY_NAME_RULE } from "@voxqueue/contracts";
import { KeysFile, KeysFileProblem } from "./keys-file.js";

const HELP = `Usage: pnpm keys <command> [options]

Manages the API keys of a voxqueue API (the file API_KEYS_FILE names, lines NAME:SHA256_HEX_OF_KEY;
only hashes are stored). A running API picks up changes within a few seconds.

Commands:
  add NAME        make a new random key for NAME, print it once (on stdout) and append its hash
  list            print the names of the keys
  remove NAME     delete NAME's key (requests with it are refused from then on)

Options:
      --file PATH   the keys file (default: $API_KEYS_FILE)
  -h, --help        show this help

NAME: ${API_KEY_NAME_RULE}. It appears in logs, spans and job ownership; the key never does.

Example:
  API_KEYS_FILE=/etc/voxqueue/keys pnpm keys add mobile-app
  curl -H "Authorization: Bearer <the key>" localhost:8080/v1/voices`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
  });
  const [command, name, ...rest] = positionals;
  if (values.help || command === undefined) {
    (values.help ? console.log : console.error)(HELP);
    return values.help ? 0 : 2;
  }
  const path = values.file ?? process.env.API_KEYS_FILE;
  if (!path) {
    console.error("no keys file: set API_KEYS_FILE or pass --file PATH");
    return 2;
  }
  const file = new KeysFile(path);
  const needName = (): string => {
    if (name === undefined || rest.length > 0) throw new KeysFileProblem(`usage: pnpm keys ${command} NAME`);
    if (!API_KEY_NAME_PATTERN.test(name)) throw new KeysFileProblem(`bad key name: ${API_KEY_NAME_RULE}`);
    return name;
  };
  switch (command) {
    case "add": {
      const key = await file.add(needName());
      console.error(`added the key "${name}" to ${path}; it is shown only now, store it safely:`);
      console.log(key);
      return 0;
    }
    case "list":
      for (const entry of await file.read()) console.log(entry.name);
      return 0;
    case "remove":
      await file.remove(needName());
      console.error(`removed the key "${name}" from ${path}`);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof KeysFileProblem || (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      console.error((err as Error).message);
      process.exit(2);
    }
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
