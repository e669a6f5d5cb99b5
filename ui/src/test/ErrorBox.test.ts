import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError } from "../lib/backend";
import ErrorBox from "../lib/ui/ErrorBox.svelte";

afterEach(cleanup);

describe("ErrorBox", () => {
  it("shows the app's own sentence as it came, nothing appended", () => {
    const sentence = "No hay conexión con el servidor http://servidor:8787: sin conexión. No se perdió nada.";
    render(ErrorBox, { error: new BackendError("network", sentence) });
    expect(screen.getByRole("alert").textContent).toBe(sentence);
  });

  it("gives the generic sentence to an error that came without words", () => {
    render(ErrorBox, { error: new BackendError("internal", "") });
    expect(screen.getByRole("alert").textContent).toBe("No se pudo completar la acción.");
  });

  it("shows nothing without an error", () => {
    render(ErrorBox, { error: null });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
