// The paper the office prints on (letter by default; oficio and A4 too), kept per device.
export type Paper = "letter" | "oficio" | "a4";

export function paper(): Paper {
  const p = typeof localStorage !== "undefined" ? localStorage.getItem("brigada.paper") : null;
  return p === "oficio" || p === "a4" ? p : "letter";
}

export function setPaper(p: Paper) {
  localStorage.setItem("brigada.paper", p);
}
