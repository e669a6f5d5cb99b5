// Re-run `load` whenever a sync ends: a screen that is open shows what just arrived.
import { backend } from "../backend";

export function reloadAfterSync(load: () => void): () => void {
  const stop = backend.onSynced(load);
  return () => {
    stop.then((unlisten) => unlisten());
  };
}
