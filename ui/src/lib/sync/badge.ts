// The header's sync indicator: one short line and a tone from the background sync's state.
import type { SyncState } from "../bindings/SyncState";
import { t } from "../i18n";
import { shortWhen } from "../ui/format";

export type Badge = { tone: "ok" | "busy" | "offline" | "error"; text: string };

export function badge(s: SyncState): Badge | null {
  const waiting = Number(s.outgoing_docs) + s.outgoing_blobs;
  if (s.running) return { tone: "busy", text: t("badge.running") };
  if (s.error && s.error.code !== "network") return { tone: "error", text: t("badge.error") };
  // Not asked yet (just unlocked): no verdict rather than a wrong one.
  if (!s.probed) return null;
  if (!s.online) {
    return { tone: "offline", text: waiting ? t("badge.offline_waiting", { n: waiting }) : t("badge.offline") };
  }
  if (waiting) return { tone: "busy", text: t("badge.waiting", { n: waiting }) };
  return { tone: "ok", text: s.last_sync ? t("badge.synced", { when: shortWhen(s.last_sync) }) : t("badge.online") };
}
