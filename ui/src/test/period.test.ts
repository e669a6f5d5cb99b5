import { describe, expect, it } from "vitest";
import { monthOf, previousMonth, wholeDay } from "../lib/oficina/period";

describe("the Panel's months", () => {
  it("know their last day, leap years and January included", () => {
    expect(monthOf("2026-11-17")).toEqual(["2026-11-01", "2026-11-30"]);
    expect(monthOf("2028-02-10")).toEqual(["2028-02-01", "2028-02-29"]);
    expect(previousMonth("2026-12-01")).toEqual(["2026-11-01", "2026-11-30"]);
    expect(previousMonth("2027-01-05")).toEqual(["2026-12-01", "2026-12-31"]);
  });
});

describe("days typed in the Panel and the archive", () => {
  it("count only once typed whole", () => {
    expect(wholeDay("30/11/2026")).toBe("30/11/2026");
    expect(wholeDay("2026-11-30")).toBe("2026-11-30");
    expect(wholeDay(" 1/2/2026 ")).toBe(" 1/2/2026 ");
    for (const partial of ["", "30/1", "30/11/20", "2026-11", "ayer"]) expect(wholeDay(partial)).toBe("");
  });
});
