import { describe, expect, it } from "vitest";
import type { Procedure } from "../lib/bindings/Procedure";
import type { Status } from "../lib/bindings/Status";
import type { Step } from "../lib/bindings/Step";
import { checklist, fieldsToFill } from "../lib/expedientes/checklist";

const req = (fields: string[] = []) => ({ fields, photos: 0, signatures: [], materials: false, equipment: false, parts: false });
const step = (id: string, kind: Step["kind"], answers: Step["answers"] = [], fields: string[] = []): Step => ({
  id, kind, title: `Paso ${id}`, requires: req(fields), answers, next: null, produces: [], signs: [], sign_on: {}, wait: null, effects: [], continues: null,
});

const P: Procedure = {
  id: "P1", version: 1, name: "Instalación", seccion: "RT", start: "1", fields: [], escalations: [],
  steps: [
    step("1", "action"),
    step("3", "decision", [{ value: "si", label: "Sí, es viable", next: "4" }, { value: "no", label: "No es viable", next: "3A" }]),
    step("6", "decision", [{ value: "si", label: "Hay fallas", next: "6A" }, { value: "no", label: "Sin fallas", next: "7" }], ["pruebas"]),
    step("6A", "action"),
    step("FIN", "end"),
  ],
};

function status(path: [string, string | null][], current: string | null, state = "en-curso"): Status {
  return {
    state, current, current_round: 1, conflicts: [], off_path: [], waiting: null, missing: [], answers: [],
    documents_to_produce: [], escalations: [], continues: null,
    path: path.map(([s, a], i) => ({ step: s, round: 1, answer: a, entries: [String(i)] })),
  };
}

describe("checklist", () => {
  it("marks done steps with the answer's label, the current one, and the rest as to do", () => {
    const items = checklist(P, status([["1", null], ["3", "si"]], "6"));
    expect(items.map((i) => [i.step.id, i.state])).toEqual([["1", "done"], ["3", "done"], ["6", "current"], ["6A", "todo"]]);
    expect(items[1].answer).toBe("Sí, es viable");
  });

  it("counts loop visits and shows the latest answer", () => {
    const items = checklist(P, status([["6", "si"], ["6A", null], ["6", "no"]], null, "terminado"));
    const six = items.find((i) => i.step.id === "6")!;
    expect(six.visits).toBe(2);
    expect(six.answer).toBe("Sin fallas");
    expect(items.at(-1)!.step.id).toBe("FIN");
    expect(items.at(-1)!.state).toBe("done");
  });

  it("asks only for the fields still empty", () => {
    expect(fieldsToFill(P.steps[2], { pruebas: "  " })).toEqual(["pruebas"]);
    expect(fieldsToFill(P.steps[2], { pruebas: "4 nodos OK" })).toEqual([]);
  });
});
