import "server-only";
/**
 * Opening an environment: the document an application reads (values, each rotator's current and previous,
 * the exported variables) exactly as it stood at one revision, plus when each credential changes next.
 *
 * The document is the revision's own (its snapshot, or the newest snapshot before it with the deltas up to it:
 * lib/environments/revisions.ts), so it is consistent by construction (never half one rotation and half the
 * next) and "open at revision N" is exact. The rotation times are today's, from the schedules and the
 * rotators' status; that is why this view is composed here, above lib/environments, lib/rotation and
 * lib/schedules, and not in lib/environments (which both of those build on).
 *
 * Every open is recorded (recordOpen in lib/environments/consumers.ts): which consumer (token or user)
 * received which revision — what lets Rotor warn before it retires a credential someone still holds — and,
 * for a full read, an audit event.
 */
import type { AppContext } from "../app-context";
import { AppError } from "../errors";
import type { Environment } from "../db/schema";
import { getOldestRevisionNumber } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { loadRevisionDocument } from "../environments/revisions";
import { resolveExports } from "../environments/exports";
import { loadScheduleCoverage } from "../schedules/service";
import { rotatorStatusDetail } from "../rotation/status";
import type { Credential, RotatorType } from "../rotators/types";

export interface OpenedRotator {
  type: RotatorType;
  current: Credential | null;
  previous: Credential | null;
  rotatedAt: string | null;
  nextRotationAt: string | null;
  /** The earliest moment the previous credential may stop working: the next rotation Rotor has planned
   *  (null: none is scheduled — it stays valid until someone rotates). */
  previousValidUntil: string | null;
}

export interface OpenedEnvironment {
  environment: string;
  revision: number;
  values: Record<string, string>;
  rotators: Record<string, OpenedRotator>;
  exports: Record<string, string>;
  /** Exported variables that cannot be resolved at this revision (e.g. a rotator that never rotated). */
  exportErrors: Record<string, string>;
}

export async function openEnvironment(app: AppContext, { environment, revision }: { environment: Environment; revision?: number }): Promise<OpenedEnvironment> {
  const number = revision ?? environment.currentRevision;
  const document = await loadRevisionDocument({ db: app.db, keyring: app.keyring, environmentId: environment.id, revision: number });
  if (!document) {
    // Older revisions may have been pruned (ROTOR_REVISION_RETENTION_DAYS): say which ones are kept.
    const oldest = (await getOldestRevisionNumber({ db: app.db, environmentId: environment.id })) ?? 1;
    throw new AppError("not-found", `${environment.name} has no revision ${number} (its revisions are ${oldest} to ${environment.currentRevision}).`, {
      fieldErrors: { revision: `No revision ${number}` },
    });
  }
  const rows = await listRotatorsByEnvironment({ db: app.db, environmentId: environment.id });
  const coverage = await loadScheduleCoverage({ db: app.db, rotators: rows });
  const now = new Date();
  const rotators: Record<string, OpenedRotator> = {};
  for (const [name, entry] of Object.entries(document.rotators)) {
    const live = rows.find((r) => r.name === name);
    const detail = live ? rotatorStatusDetail(live, now, coverage.get(live.id)) : undefined;
    const next = [detail?.nextAttemptAt, detail?.nextRunAt].filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0];
    rotators[name] = {
      type: entry.type,
      current: entry.current,
      previous: entry.previous,
      rotatedAt: live?.lastRotatedAt?.toISOString() ?? null,
      nextRotationAt: next?.toISOString() ?? null,
      previousValidUntil: next?.toISOString() ?? null,
    };
  }
  const resolved = resolveExports(document.exports ?? {}, document);
  return { environment: environment.name, revision: number, values: document.values, rotators, exports: resolved.values, exportErrors: resolved.errors };
}
