import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError } from "../lib/backend";
import ErrorBox from "../lib/ui/ErrorBox.svelte";

afterEach(cleanup);

describe("ErrorBox", () => {
  it("says what went wrong in plain Spanish, with the detail", () => {
    render(ErrorBox, { error: new BackendError("network", "cannot reach http://servidor:8787") });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("No hay conexión con el servidor");
    expect(alert.textContent).toContain("servidor:8787");
  });

  it("shows nothing without an error", () => {
    render(ErrorBox, { error: null });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
