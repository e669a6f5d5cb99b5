import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

// The backend's camera calls, captured: each start hands over the session's event callback.
const sessions: ((e: unknown) => void)[] = [];
vi.mock("../lib/backend", () => ({
  BackendError: class extends Error {},
  backend: {
    cameraStart: vi.fn(async (_index: number, onEvent: (e: unknown) => void) => {
      sessions.push(onEvent);
    }),
    cameraStop: vi.fn(async () => {}),
  },
}));

import CameraView from "../lib/camara/CameraView.svelte";
import { camera } from "../lib/camara/active.svelte";

afterEach(cleanup);

describe("CameraView", () => {
  it("shows only the picture of its newest session, never a late frame of one it replaced", async () => {
    render(CameraView, {});
    await tick();
    const first = sessions.at(-1)!;
    // Another view takes the one camera; this one offers to take it back, and does.
    camera.take();
    await tick();
    await fireEvent.click(screen.getByTestId("camera-here"));
    await tick();
    const second = sessions.at(-1)!;
    expect(second).not.toBe(first);
    // The replaced session's last frame arrives late: nothing is shown for it.
    first({ kind: "frame", data_url: "data:image/jpeg;base64,OLD" });
    await tick();
    expect(screen.queryByTestId("preview")).toBeNull();
    // The new session's frame is the one shown ("Tomar foto" takes what is seen).
    second({ kind: "frame", data_url: "data:image/jpeg;base64,NEW" });
    await tick();
    expect(screen.getByTestId("preview").getAttribute("src")).toBe("data:image/jpeg;base64,NEW");
  });
});
