// Small display helpers shared by the screens (Mexico City time, as on paper).
const fmt = new Intl.DateTimeFormat("es-MX", {
  timeZone: "America/Mexico_City",
  dateStyle: "short",
  timeStyle: "short",
});

export function when(ms: number | null | undefined): string {
  return ms == null ? "" : fmt.format(new Date(ms));
}

const dayParts = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/Mexico_City",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** A date as YYYY-MM-DD in Mexico City (what date inputs and the core take). */
export function isoDay(d: Date = new Date()): string {
  const part = (type: string) => dayParts.formatToParts(d).find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

const hourFmt = new Intl.DateTimeFormat("es-MX", {
  timeZone: "America/Mexico_City",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** This moment as people in Mexico write it, Mexico City time: "30/11/2026 09:15". */
export function typedNow(now: Date = new Date()): string {
  const [y, m, d] = isoDay(now).split("-");
  return `${d}/${m}/${y} ${hourFmt.format(now)}`;
}

/** A short time for tight places: "10:05" today, "27/11 10:05" on another day. */
export function shortWhen(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  const time = hourFmt.format(d);
  if (isoDay(d) === isoDay(now)) return time;
  const [, m, day] = isoDay(d).split("-");
  return `${day}/${m} ${time}`;
}

/** Text as a search compares it: lower case, without accents ("Cámara" → "camara"). */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Whether every word of `query` appears in one of `texts`, accents and case aside. */
export function matches(query: string, ...texts: (string | null | undefined)[]): boolean {
  const hay = fold(texts.filter(Boolean).join(" "));
  return fold(query).split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}
