import "server-only";
/**
 * Who holds a lease. Every lease this process takes (a rotator's, a schedule's) is written as
 *
 *   <instance>/<pid>/<nonce>[:<tag>]
 *
 * `instance` is ROTOR_INSTANCE_ID (default: the host name) and stays the same across restarts; `nonce` is new
 * in every process. So at its next start, a process can tell the leases its own previous process left (same
 * instance, another nonce, and that pid is no longer alive, or is its own: a container restarts as pid 1) and
 * take them up at once instead of waiting for them to run out (lib/rotation/recovery.ts). A lease of another
 * live process with the same instance id (two workers on one host without their own ids) is never touched.
 */
import os from "node:os";
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { env } from "../env";

const nonce = randomUUID().slice(0, 8);

export function instanceId(): string {
  return env().instanceId ?? (os.hostname().replace(/[^A-Za-z0-9._:-]/g, "-").slice(0, 100) || "rotor");
}

/** A lease owner of this process; `tag` tells this process's lease holders apart (engine, scheduler). */
export function leaseOwner(tag?: string, instance = instanceId()): string {
  return `${instance}/${process.pid}/${nonce}${tag ? `:${tag}` : ""}`;
}

/** What every lease owner of `instance` starts with (for a starts_with query). */
export function instancePrefix(instance = instanceId()): string {
  return `${instance}/`;
}

/**
 * Whether `owner` is a lease left by a previous process of this instance, which is no longer running.
 * `isAlive` is a seam for tests.
 */
export function isLeftByPreviousProcess(owner: string, instance = instanceId(), isAlive: (pid: number) => boolean = pidIsAlive): boolean {
  if (!owner.startsWith(instancePrefix(instance))) return false;
  const [pidText, ownerNonce] = owner.slice(instancePrefix(instance).length).split("/");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || !ownerNonce) return false;
  if (ownerNonce.split(":")[0] === nonce) return false; // this process
  return pid === process.pid || !isAlive(pid);
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  return !isZombie(pid);
}

/**
 * A process that has exited but was not yet reaped still answers kill(pid, 0). Its parent died with it
 * (npm under a SIGKILLed process group), so it belongs to pid 1 now, and an init that does not reap (some
 * container and VM inits) leaves it there for good: it runs nothing and holds nothing. Linux tells it by
 * its state in /proc; elsewhere it counts as alive (the leases then run out as before).
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ...": comm may contain spaces and parentheses, so read after the last ")".
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}
