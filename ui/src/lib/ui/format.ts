// Small display helpers shared by the screens (Mexico City time, as on paper).
const fmt = new Intl.DateTimeFormat("es-MX", {
  timeZone: "America/Mexico_City",
  dateStyle: "short",
  timeStyle: "short",
});

export function when(ms: number | null | undefined): string {
  return ms == null ? "" : fmt.format(new Date(ms));
}
