/**
 * One status per rotator, shown wherever rotators are listed, so a failing rotation cannot go unnoticed.
 * (Schedules add "retrying", "overdue", "paused" and "unscheduled" on top of these.)
 */
import type { RotatorRow } from "../db/schema";

export type RotatorStatus = "rotating" | "failing" | "healthy" | "never rotated";

export function rotatorStatus(row: Pick<RotatorRow, "leaseOwner" | "leaseExpiresAt" | "failingSince" | "lastRotatedAt">, now = new Date()): RotatorStatus {
  if (row.leaseOwner && row.leaseExpiresAt && row.leaseExpiresAt > now) return "rotating";
  if (row.failingSince) return "failing";
  if (row.lastRotatedAt) return "healthy";
  return "never rotated";
}
