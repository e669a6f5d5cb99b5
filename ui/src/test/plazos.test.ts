import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import Plazos from "../lib/expedientes/Plazos.svelte";

afterEach(cleanup);

describe("Plazos", () => {
  it("says in words which deadline is due now and when each falls due", () => {
    // 2026-11-21 09:30 in Mexico City (UTC-6).
    const due = Date.UTC(2026, 10, 21, 15, 30);
    render(Plazos, {
      escalations: [
        { id: "24h", action: "Reenviar el correo al proveedor", due_at: due, state: "overdue" },
        { id: "48h", action: "Solicitar una línea temporal", due_at: null, state: "not-started" },
      ],
    });
    expect(screen.getByRole("status").textContent).toContain("Toca ahora: Reenviar el correo al proveedor");
    const card = screen.getByTestId("plazos").textContent ?? "";
    expect(card).toContain("Vencido");
    expect(card).toContain("21/11/26");
    expect(card).toContain("Aún no corre");
    expect(card).not.toMatch(/overdue|not-started/);
  });

  it("shows nothing for a procedure without deadlines", () => {
    render(Plazos, { escalations: [] });
    expect(screen.queryByTestId("plazos")).toBeNull();
  });

  it("stays out of the first step's way until a deadline starts counting", () => {
    const waiting = (id: string) => ({ id, action: "…", due_at: null, state: "not-started" as const });
    render(Plazos, { escalations: [waiting("24h"), waiting("48h")] });
    expect(screen.queryByTestId("plazos")).toBeNull();
  });
});
