import { describe, expect, it } from "vitest";
import type { SyncState } from "../lib/bindings/SyncState";
import { setLocale } from "../lib/i18n";
import { badge } from "../lib/sync/badge";
import { fold, matches } from "../lib/ui/format";

const base: SyncState = {
  online: true,
  probed: true,
  running: false,
  last_sync: null,
  outgoing_docs: 0,
  outgoing_blobs: 0,
  progress: null,
  error: null,
};

describe("the header's sync indicator", () => {
  setLocale("es-MX");

  it("says offline and how much waits, without calling it an error", () => {
    const b = badge({ ...base, online: false, outgoing_docs: 2, outgoing_blobs: 1, error: { code: "network", message: "x" } });
    expect(b).toEqual({ tone: "offline", text: "Sin conexión · 3 por enviar" });
    expect(badge({ ...base, online: false })?.text).toBe("Sin conexión");
    // Before the first check, no verdict at all.
    expect(badge({ ...base, online: false, probed: false })).toBeNull();
  });

  it("puts a running sync before anything else, and a refusal as an error", () => {
    expect(badge({ ...base, running: true, online: false })?.tone).toBe("busy");
    expect(badge({ ...base, error: { code: "unauthorized", message: "revoked" } })).toEqual({
      tone: "error",
      text: "Error al sincronizar",
    });
  });

  it("shows when it last synced once nothing waits", async () => {
    const b = badge({ ...base, last_sync: Date.UTC(2025, 10, 28, 16, 5) });
    expect(b?.tone).toBe("ok");
    expect(b?.text).toBe("Sincronizado 28/11 10:05");
    const { shortWhen } = await import("../lib/ui/format");
    expect(shortWhen(Date.UTC(2025, 10, 28, 16, 5), new Date(Date.UTC(2025, 10, 28, 20, 0)))).toBe("10:05");
    expect(badge({ ...base, outgoing_docs: 4 })?.text).toBe("4 por enviar");
  });
});

describe("isoDay", () => {
  it("is the Mexico City date as YYYY-MM-DD, whatever the machine's zone", async () => {
    const { isoDay } = await import("../lib/ui/format");
    // 03:00 UTC on the 29th is still the 28th in Mexico City (UTC−6).
    expect(isoDay(new Date(Date.UTC(2026, 10, 29, 3, 0)))).toBe("2026-11-28");
    expect(isoDay(new Date(Date.UTC(2026, 0, 5, 18, 0)))).toBe("2026-01-05");
  });
});

describe("typedNow", () => {
  it("is the Mexico City moment as people write it, what the core takes", async () => {
    const { typedNow } = await import("../lib/ui/format");
    expect(typedNow(new Date(Date.UTC(2026, 10, 29, 3, 5)))).toBe("28/11/2026 21:05");
  });
});

describe("search matching", () => {
  it("finds every word in any field, accents and case aside", () => {
    expect(fold("Cámara ÑANDÚ")).toBe("camara nandu");
    expect(matches("ram ddr4", "Memoria RAM DDR4 8 GB", null)).toBe(true);
    expect(matches("hospital xalapa", "Hospital Regional", "Xalapa-Enríquez")).toBe(true);
    expect(matches("urgencias", "Admisión", "Hospital Regional de Xalapa")).toBe(false);
    expect(matches("  ", "anything")).toBe(true);
  });
});
