/**
 * The CSV export streams on demand: with a client that reads slowly, the server reads the log no faster
 * than the client takes it (one page per chunk), so memory stays bounded with a million events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestStore, type TestStore } from "@/test/support/stores";
import type { Db } from "../db/client";
import { auditCsvStream } from "./csv-export";

const ROWS = 1_000_000;
const PAGE = 5000;

let store: TestStore;
let selects = 0;
let db: Db;

beforeAll(async () => {
  store = await openTestStore("postgres");
  // Bulk rows (the chain is not valid for them: this is about streaming, not integrity).
  await store.db.execute(sql`insert into audit_events (at, actor_label, action, outcome, details, prev_hash, hash)
    select now() - make_interval(secs => g), 'bulk@example.com', 'bulk.event', 'success', '{}'::jsonb, 'p', md5(g::text)
    from generate_series(1, ${ROWS}) as g`);
  // Counts the queries the export makes, without changing them.
  db = new Proxy(store.db, {
    get(target, key, receiver) {
      if (key === "select") selects++;
      return Reflect.get(target, key, receiver);
    },
  });
}, 300_000);

afterAll(async () => store?.destroy());

describe("audit CSV export", () => {
  it("reads one page per chunk the client takes, and all of a million events in the end", async () => {
    const reader = auditCsvStream({ db, filter: {}, pageSize: PAGE }).getReader();
    const decoder = new TextDecoder();
    const header = decoder.decode((await reader.read()).value);
    expect(header).toBe("id,at,actor,action,outcome,target_type,target_id,target,ip,details,hash\n");
    const first = decoder.decode((await reader.read()).value);
    expect(first.trimEnd().split("\n")).toHaveLength(PAGE);

    // A slow client: nothing is read ahead while it waits.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(selects).toBe(1);
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(selects).toBe(2);

    let lines = 2 * PAGE;
    let tail = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = tail + decoder.decode(value, { stream: true });
      const parts = text.split("\n");
      tail = parts.pop()!;
      lines += parts.length;
    }
    expect(tail).toBe("");
    expect(lines).toBe(ROWS);
    expect(selects).toBe(ROWS / PAGE);
  }, 300_000);
});
