import { describe, expect, it } from "vitest";
import type { SyncState } from "../lib/bindings/SyncState";
import { setLocale } from "../lib/i18n";
import { badge } from "../lib/sync/badge";

const base: SyncState = {
  online: true,
  running: false,
  last_sync: null,
  outgoing_docs: 0,
  outgoing_blobs: 0,
  error: null,
};

describe("the header's sync indicator", () => {
  setLocale("es-MX");

  it("says offline and how much waits, without calling it an error", () => {
    const b = badge({ ...base, online: false, outgoing_docs: 2, outgoing_blobs: 1, error: { code: "network", message: "x" } });
    expect(b).toEqual({ tone: "offline", text: "Sin conexión · 3 por enviar" });
    expect(badge({ ...base, online: false }).text).toBe("Sin conexión");
  });

  it("puts a running sync before anything else, and a refusal as an error", () => {
    expect(badge({ ...base, running: true, online: false }).tone).toBe("busy");
    expect(badge({ ...base, error: { code: "unauthorized", message: "revoked" } })).toEqual({
      tone: "error",
      text: "Error al sincronizar",
    });
  });

  it("shows when it last synced once nothing waits", () => {
    const b = badge({ ...base, last_sync: Date.UTC(2026, 10, 28, 16, 5) });
    expect(b.tone).toBe("ok");
    expect(b.text).toMatch(/^Sincronizado 28\/11\/(20)?26,? 10:05/);
    expect(badge({ ...base, outgoing_docs: 4 }).text).toBe("4 por enviar");
  });
});
