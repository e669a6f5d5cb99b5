// signature_pad's point groups → the strokes file the core stores and prints as vectors.
export interface PadPoint {
  x: number;
  y: number;
}
export interface PadGroup {
  points: PadPoint[];
}

export function toStrokes(groups: PadGroup[], width: number, height: number): string {
  const strokes = groups
    .map((g) => g.points.map((p) => [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10]))
    .filter((s) => s.length > 0);
  return JSON.stringify({ width, height, strokes });
}

/** A signature needs some ink: at least two points in all. */
export function hasInk(groups: PadGroup[]): boolean {
  return groups.reduce((n, g) => n + g.points.length, 0) >= 2;
}
