import "server-only";
/**
 * A rotation request carries the environment revision it was made from. If a rotation (or
 * an import) has replaced the rotator's credential since, rotating again would retire the credential that was
 * current when the person clicked — usually a second click, a second tab or a second operator. The engine
 * refuses such a request (checked under the rotator's lease) and asks; "rotate again" sends no revision.
 */
import type { AppContext } from "../app-context";
import type { RotatorRow } from "../db/schema";
import { getRevisionSummary } from "../db/queries/environments";

/**
 * "Rotated 2 s ago by alice@example.com; rotate again?", or null when the request is not stale. `ask` is the
 * question the explicit confirmation answers (a rollback asks "roll back anyway?").
 */
export async function replacedSince(
  app: Pick<AppContext, "db">,
  rotator: Pick<RotatorRow, "environmentId" | "stateRevision">,
  expectedRevision: number | undefined,
  ask = "rotate again?",
): Promise<string | null> {
  if (expectedRevision === undefined || rotator.stateRevision === null || rotator.stateRevision <= expectedRevision) return null;
  const revision = await getRevisionSummary({ db: app.db, environmentId: rotator.environmentId, revision: rotator.stateRevision });
  const ago = revision ? ` ${timeAgo(revision.createdAt)}` : "";
  const by = revision ? ` by ${revision.actorLabel}` : "";
  const what = !revision || revision.reason.startsWith("rotated ") ? "Rotated" : `Changed (${revision.reason})`;
  return `${what}${ago}${by}; ${ask}`;
}

function timeAgo(date: Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}
