import "server-only";
import { encryptionKeys, settings } from "../schema";
import type { DbOrTx } from "../client";
import { eq } from "drizzle-orm";

export function listEncryptionKeys({ db }: { db: DbOrTx }) {
  return db.select().from(encryptionKeys);
}

export async function insertEncryptionKey({ db, id, checkCiphertext }: { db: DbOrTx; id: string; checkCiphertext: string }) {
  await db.insert(encryptionKeys).values({ id, checkCiphertext }).onConflictDoNothing();
}

export async function getSetting<T>({ db, key }: { db: DbOrTx; key: string }): Promise<T | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return row?.value as T | undefined;
}

export async function putSetting({ db, key, value }: { db: DbOrTx; key: string; value: unknown }) {
  await db
    .insert(settings)
    .values({ key, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
}

export async function deleteSetting({ db, key }: { db: DbOrTx; key: string }) {
  await db.delete(settings).where(eq(settings.key, key));
}
