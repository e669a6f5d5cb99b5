import { describe, expect, it } from "vitest";
import { hasInk, toStrokes } from "../lib/firma/strokes";

describe("signature strokes", () => {
  it("keeps every pen stroke as a polyline the core can parse", () => {
    const json = toStrokes([{ points: [{ x: 1.234, y: 2 }, { x: 10, y: 20.06 }] }, { points: [] }, { points: [{ x: 5, y: 5 }] }], 600, 200);
    expect(JSON.parse(json)).toEqual({ width: 600, height: 200, strokes: [[[1.2, 2], [10, 20.1]], [[5, 5]]] });
  });

  it("refuses an empty pad", () => {
    expect(hasInk([])).toBe(false);
    expect(hasInk([{ points: [{ x: 1, y: 1 }] }])).toBe(false);
    expect(hasInk([{ points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] }])).toBe(true);
  });
});
