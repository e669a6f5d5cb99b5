// Message catalogs and the current locale. Spanish (es-MX) by default.
import { en } from "./en";
import { es, type Key } from "./es";

export type Locale = "es-MX" | "en";
const catalogs: Record<Locale, Record<Key, string>> = { "es-MX": es, en };

let locale: Locale =
  (typeof localStorage !== "undefined" && (localStorage.getItem("brigada.locale") as Locale)) || "es-MX";

export function setLocale(l: Locale) {
  locale = l;
  localStorage.setItem("brigada.locale", l);
}

export function getLocale(): Locale {
  return locale;
}

/** The message for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text = catalogs[locale][key] ?? es[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** The sentence for an error that came without one (the app's own errors always carry
 *  theirs, worded by the one message catalog on the Rust side). */
export function errorText(_code: string): string {
  return t("error.generic");
}

export { type Key };
