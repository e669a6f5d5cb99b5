// Edit an expediente as another Automerge client would: the official JavaScript library
// with its defaults (new strings are collaborative text). Used by tests/tests/js_client.rs.
//
//   node edit-expediente.mjs IN.automerge OUT.automerge ACTOR
//
// ACTOR is the device's Automerge actor (hex): a client working on a device writes under
// that device's actor, the only one the server accepts from it.
import { readFileSync, writeFileSync } from "node:fs";
import * as A from "@automerge/automerge";

const [input, output, actor] = process.argv.slice(2);
let doc = A.load(new Uint8Array(readFileSync(input)), { actor });
const note = JSON.stringify({ by: "Cliente JS", device: "JS", action: "comentario y área" });
doc = A.change(doc, { message: note, time: Math.floor(Date.now() / 1000) }, (d) => {
  d.area = "Urgencias Adultos, edificio B";
  d.comments.push({
    id: "js-0001",
    text: "Revisado desde otro cliente de Automerge",
    stamp: { by: "Cliente JS", device: "JS", at: Date.now() },
  });
});
// Then edit that text in place, as a collaborative editor does.
doc = A.change(doc, { message: note }, (d) => {
  A.splice(d, ["area"], 0, 0, "Área: ");
});
if (!(A.getObjectId(doc, "area"))) throw new Error("expected area to be collaborative text");
writeFileSync(output, A.save(doc));
