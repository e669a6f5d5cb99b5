// Asset kinds as people say them (the register stores a short code: "access-point").
import { t } from "../i18n";

export function kindWords(kind: string): string {
  const key = `asset.kind.${kind}`;
  const w = t(key as "asset.kind.computadora");
  return w === key ? kind : w;
}
