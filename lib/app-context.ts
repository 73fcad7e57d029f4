import "server-only";
/** What every service needs: the store and the keyring, opened once per process. */
import { getStore, type Db } from "./db/client";
import { getKeyring, type Keyring } from "./crypto/keyring";

export interface AppContext {
  db: Db;
  keyring: Keyring;
}

export async function getAppContext(): Promise<AppContext> {
  const { db } = await getStore();
  const keyring = await getKeyring(db);
  return { db, keyring };
}

/** Who is acting, as recorded in audit events and runs. */
export interface Actor {
  id: string | null;
  label: string;
  ip?: string | null;
  /** Set when the actor acts through an API token: the token's id and name (never its value). */
  token?: { id: string; name: string };
}

/** The "who" of an audit event, from the actor. */
export function byActor(actor: Actor): { actorId: string | null; actorLabel: string; ip: string | null; viaToken?: { id: string; name: string } } {
  return { actorId: actor.id, actorLabel: actor.label, ip: actor.ip ?? null, ...(actor.token ? { viaToken: actor.token } : {}) };
}
