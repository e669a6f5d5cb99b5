// The procedure as a guided checklist: which steps are done (with the answer given), which
// one is current, which come later. Derived from the engine's Status; nothing is stored.
import type { Procedure } from "../bindings/Procedure";
import type { Status } from "../bindings/Status";
import type { Step } from "../bindings/Step";

export type ItemState = "done" | "current" | "todo";

export interface Item {
  step: Step;
  state: ItemState;
  /** Label of the answer given at this step's latest visit, for decisions. */
  answer: string | null;
  /** How many times the step was visited (a loop shows "×2"). */
  visits: number;
}

export function checklist(proc: Procedure, status: Status): Item[] {
  const visits = new Map<string, { n: number; answer: string | null }>();
  for (const v of status.path) {
    const prev = visits.get(v.step);
    visits.set(v.step, { n: (prev?.n ?? 0) + 1, answer: v.answer ?? prev?.answer ?? null });
  }
  return proc.steps
    .filter((s) => s.kind !== "end" || status.state === "terminado")
    .map((step) => {
      const seen = visits.get(step.id);
      const label = seen?.answer ? (step.answers.find((a) => a.value === seen.answer)?.label ?? seen.answer) : null;
      let state: ItemState = "todo";
      if (status.current === step.id) state = "current";
      else if (seen || (step.kind === "end" && status.state === "terminado")) state = "done";
      return { step, state, answer: label, visits: seen?.n ?? 0 };
    });
}

/** Fields the current step asks for that are still empty. */
export function fieldsToFill(step: Step, values: Record<string, string | undefined>): string[] {
  return step.requires.fields.filter((f) => !(values[f] ?? "").trim());
}
