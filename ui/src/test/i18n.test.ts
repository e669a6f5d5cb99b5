import { describe, expect, it } from "vitest";
import { en } from "../lib/i18n/en";
import { es } from "../lib/i18n/es";
import { errorText, setLocale, t } from "../lib/i18n";

describe("message catalogs", () => {
  it("have the same keys in Spanish and English, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(es).sort());
    for (const [k, v] of [...Object.entries(es), ...Object.entries(en)]) expect(v.trim(), k).not.toBe("");
  });

  it("fill placeholders, Spanish first; an error without words gets the generic sentence", () => {
    setLocale("es-MX");
    expect(t("sync.done", { sent: 2, received: 3 })).toBe("Listo: 2 enviados, 3 recibidos.");
    expect(errorText("something_new")).toBe(es["error.generic"]);
    setLocale("en");
    expect(t("nav.hoy")).toBe("Today");
    setLocale("es-MX");
  });
});
