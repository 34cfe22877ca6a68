// Jazzer.js 4.0.0's Linux prebuild (prebuilds/fuzzer-linux-x64.node) was built with glibc
// 2.38 and GCC 13, and requires two versions an older system lacks (Debian 12: glibc 2.36,
// libstdc++ of GCC 12), so dlopen refuses the whole addon:
// - GLIBC_2.38, for __isoc23_strtol and __isoc23_strtoul only (C23's strtol/strtoul, which
//   also read a "0b" prefix): rebound to the classic strtol/strtoul of glibc's base version;
// - GLIBCXX_3.4.32, for std::ios_base_library_init only: GCC 13's <iostream> names it to pull
//   in the library's stream initialisation and never calls it (no relocation refers to it;
//   node has initialised the streams already).
// Both requirements are then marked weak (glibc's loader only notes a weak version that is
// absent; dl-version.c, VER_FLG_WEAK). This makes such a copy under an ignored folder; the
// fuzzer's process loads it in place of the prebuild (glibc-compat-hook.cjs). node_modules is
// not touched.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const VER_FLG_WEAK = 0x2;
/** The C23 names the prebuild imports → the classic function with the same ABI. */
const C23_PREFIX = "__isoc23_";
const C23_REBINDABLE = new Set(["strtol", "strtoul", "strtoll", "strtoull"]);
/** glibc's base symbol version per architecture (where strtol has always lived). */
const BASE_VERSIONS = ["GLIBC_2.2.5", "GLIBC_2.17"];
/** Symbols of GLIBCXX_3.4.32 that are named but never bound (see above). */
const UNBOUND_GLIBCXX_3_4_32 = new Set(["_ZSt21ios_base_library_initv"]);

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

function cString(buf: Buffer, at: number): string {
  return buf.toString("latin1", at, buf.indexOf(0, at));
}

/**
 * Rewrites an ELF64 little-endian shared object in memory so that it loads on glibc 2.36 and
 * GCC 12's libstdc++: imports `__isoc23_<f>@GLIBC_2.38` become `<f>@<base version>`, and the
 * GLIBC_2.38 and GLIBCXX_3.4.32 requirements become weak.
 * @returns what was changed, e.g. `["strtol", "GLIBC_2.38 weak"]` (empty: nothing needed)
 * @throws Error when the object is not ELF64 LE, or needs a symbol of those versions that this cannot rebind
 */
export function relaxGlibcRequirements(elf: Buffer): string[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error("not an ELF64 little-endian object");
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      size: Number(elf.readBigUInt64LE(at + 0x20)),
      link: elf.readUInt32LE(at + 0x28),
      info: elf.readUInt32LE(at + 0x2c),
    });
  }
  const find = (type: number): Section => {
    const s = sections.find((x) => x.type === type);
    if (!s) throw new Error(`no section of type 0x${type.toString(16)}`);
    return s;
  };
  const dynsym = find(SHT_DYNSYM);
  const dynstr = sections[dynsym.link]!;
  const versym = find(SHT_GNU_VERSYM);
  const verneed = find(SHT_GNU_VERNEED);

  // Version indices (vna_other) and where each Vernaux's flags are, by "file version".
  const needed = new Map<string, { index: number; flagsAt: number }>();
  let need = verneed.offset;
  for (let n = 0; n < verneed.info; n++) {
    const file = cString(elf, dynstr.offset + elf.readUInt32LE(need + 4));
    let aux = need + elf.readUInt32LE(need + 8);
    for (let a = 0; a < elf.readUInt16LE(need + 2); a++) {
      needed.set(`${file} ${cString(elf, dynstr.offset + elf.readUInt32LE(aux + 8))}`, { index: elf.readUInt16LE(aux + 6), flagsAt: aux + 4 });
      aux += elf.readUInt32LE(aux + 12);
    }
    need += elf.readUInt32LE(need + 12);
  }
  const glibc238 = needed.get("libc.so.6 GLIBC_2.38");
  const glibcxx32 = needed.get("libstdc++.so.6 GLIBCXX_3.4.32");
  const base = BASE_VERSIONS.map((v) => needed.get(`libc.so.6 ${v}`)).find((v) => v !== undefined);

  const changed: string[] = [];
  for (let i = 0; i < dynsym.size / 24; i++) {
    const versymAt = versym.offset + i * 2;
    const version = elf.readUInt16LE(versymAt) & 0x7fff;
    const symAt = dynsym.offset + i * 24;
    const nameOffset = elf.readUInt32LE(symAt);
    const name = cString(elf, dynstr.offset + nameOffset);
    if (version === glibcxx32?.index && !UNBOUND_GLIBCXX_3_4_32.has(name)) throw new Error(`needs ${name}@GLIBCXX_3.4.32`);
    if (version !== glibc238?.index) continue;
    const classic = name.slice(C23_PREFIX.length);
    if (!name.startsWith(C23_PREFIX) || !C23_REBINDABLE.has(classic) || !base) throw new Error(`needs ${name}@GLIBC_2.38, which has no older equivalent here`);
    // "__isoc23_strtol\0" ends with "strtol\0": point the symbol's name at that suffix.
    elf.writeUInt32LE(nameOffset + C23_PREFIX.length, symAt);
    elf.writeUInt16LE(base.index, versymAt);
    changed.push(classic);
  }
  for (const [label, aux] of [
    ["GLIBC_2.38", glibc238],
    ["GLIBCXX_3.4.32", glibcxx32],
  ] as const) {
    if (!aux) continue;
    elf.writeUInt16LE(elf.readUInt16LE(aux.flagsAt) | VER_FLG_WEAK, aux.flagsAt);
    changed.push(`${label} weak`);
  }
  return changed;
}

/** The installed prebuild of @jazzer.js/fuzzer for this platform (the path its addon.js loads). */
export function jazzerAddonPath(): string {
  const requireCore = createRequire(createRequire(import.meta.url).resolve("@jazzer.js/core"));
  const fuzzerDir = dirname(requireCore.resolve("@jazzer.js/fuzzer/package.json"));
  return join(fuzzerDir, "prebuilds", `fuzzer-${process.platform}-${process.arch}.node`);
}

/** glibc's version at run time as [major, minor], or null (not glibc, not Linux). */
function glibcVersion(): [number, number] | null {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const m = /^(\d+)\.(\d+)/.exec(header?.glibcVersionRuntime ?? "");
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Where the fuzzer's addon should be loaded from on this machine: null when the installed
 * prebuild loads as it is (glibc ≥ 2.38, or not Linux); else a rebound copy, made once under
 * `cacheDir` (and again when the prebuild changes).
 */
export function compatibleAddon(cacheDir: string): { original: string; patched: string } | null {
  const version = glibcVersion();
  if (!version || version[0] > 2 || (version[0] === 2 && version[1] >= 38)) return null;
  const original = jazzerAddonPath();
  const patched = join(cacheDir, `${statSync(original).mtimeMs.toFixed(0)}-${statSync(original).size}-fuzzer.node`);
  if (!existsSync(patched)) {
    const elf = readFileSync(original);
    if (relaxGlibcRequirements(elf).length === 0) return null;
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${patched}.tmp`, elf);
    renameSync(`${patched}.tmp`, patched);
  }
  return { original, patched };
}
