import { german } from "./de.js";
import { english } from "./en.js";
import type { TextLanguage } from "./language.js";

const cache = new Map<string, TextLanguage>();

/**
 * The normalizer's language for a voice, from its language code (`en_US`, `de_DE`) or, without
 * one, its espeak voice (`en-us`, `en-gb-x-rp`, `de`). English voices other than US English read
 * dates day first (`en-GB`). Languages without rules yet give undefined: their text is split
 * into sentences and otherwise left to espeak. Add a language here.
 */
export function textLanguageFor(espeakVoice: string, languageCode?: string): TextLanguage | undefined {
  const code = (languageCode ?? espeakVoice).toLowerCase().replace("_", "-");
  const tag =
    code === "en-us" || code.startsWith("en-us-") || (code === "en" && espeakVoice.toLowerCase() === "en-us")
      ? "en-US"
      : code.startsWith("en")
        ? "en-GB"
        : code.startsWith("de")
          ? "de"
          : undefined;
  if (!tag) return undefined;
  let language = cache.get(tag);
  if (!language) {
    language = tag === "de" ? german() : english(tag);
    cache.set(tag, language);
  }
  return language;
}
