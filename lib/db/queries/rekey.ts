import "server-only";
/**
 * Master key rotation at the storage level: every `*_ciphertext` column of every table, and ciphertexts
 * nested in settings values, are re-wrapped under the current master key. The columns are found from the
 * catalog, so a table added later is covered without being listed here.
 */
import { and, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../client";
import { encryptionKeys, settings } from "../schema";
import { rowsOf } from "./audit";

const CIPHERTEXT_PREFIX = "rotor:v1:";

function rewrapJson(value: unknown, rewrap: (ciphertext: string) => string): unknown {
  if (typeof value === "string") return value.startsWith(CIPHERTEXT_PREFIX) ? rewrap(value) : value;
  if (Array.isArray(value)) return value.map((v) => rewrapJson(v, rewrap));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrapJson(v, rewrap)]));
  return value;
}

/** Re-wraps, in one transaction, every ciphertext not already under `currentKeyId`. Returns how many. */
export async function rewrapAllCiphertexts({ db, currentKeyId, rewrap }: { db: Db; currentKeyId: string; rewrap: (ciphertext: string) => string }) {
  return db.transaction(async (tx) => {
    let count = 0;
    const current = `${CIPHERTEXT_PREFIX}${currentKeyId}:%`;
    const columns = rowsOf<{ table_name: string; column_name: string }>(
      await tx.execute(sql`select table_name, column_name from information_schema.columns
        where table_schema = 'public' and column_name like '%\\_ciphertext' and table_name <> 'encryption_keys'`),
    );
    for (const { table_name: table, column_name: column } of columns) {
      const rows = rowsOf<{ id: string; value: string }>(
        await tx.execute(
          sql`select id::text as id, ${sql.identifier(column)} as value from ${sql.identifier(table)} where ${sql.identifier(column)} is not null and ${sql.identifier(column)} not like ${current}`,
        ),
      );
      for (const row of rows) {
        await tx.execute(sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${rewrap(row.value)} where id::text = ${row.id}`);
        count += 1;
      }
    }
    for (const row of await tx.select().from(settings)) {
      const next = rewrapJson(row.value, rewrap);
      if (JSON.stringify(next) !== JSON.stringify(row.value)) {
        await tx.update(settings).set({ value: next }).where(sql`${settings.key} = ${row.key}`);
        count += 1;
      }
    }
    // Data no longer needs the old keys: mark them retired so Rotor can start without them.
    await tx.update(encryptionKeys).set({ retiredAt: new Date() }).where(and(ne(encryptionKeys.id, currentKeyId), isNull(encryptionKeys.retiredAt)));
    return count;
  });
}
