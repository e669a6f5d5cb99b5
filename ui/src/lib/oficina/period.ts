// Calendar months as the Panel picks them (days as YYYY-MM-DD, Mexico City's calendar).

const pad = (n: number) => String(n).padStart(2, "0");

/** The first and last day of the month `day` (YYYY-MM-DD) falls in. */
export function monthOf(day: string): [string, string] {
  const [y, m] = day.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${y}-${pad(m)}-01`, `${y}-${pad(m)}-${pad(last)}`];
}

/** The whole month before the one `day` falls in. */
export function previousMonth(day: string): [string, string] {
  const [y, m] = day.split("-").map(Number);
  return m === 1 ? monthOf(`${y - 1}-12-01`) : monthOf(`${y}-${pad(m - 1)}-01`);
}

/** `text` if it is a whole day as people type it (dd/mm/aaaa or aaaa-mm-dd), else "":
 * nothing is asked, and no error shown, while a day is still being typed. */
export function wholeDay(text: string): string {
  return /^\s*(\d{1,2}\/\d{1,2}\/\d{4}|\d{4}-\d{2}-\d{2})\s*$/.test(text) ? text : "";
}
