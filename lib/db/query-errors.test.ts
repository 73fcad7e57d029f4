/**
 * A failed query's error carries its parameters (drizzle puts them in the message): a password hash once
 * reached the server log that way. What is logged of a database error is its statement and the driver's
 * message, never the parameters — checked with a real failed insert that carries a password hash.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestStore, STORE_KINDS, type TestStore } from "@/test/support/stores";
import { insertUser } from "./queries/users";
import { hashPassword } from "../crypto/password-hash";
import { toAppError } from "../errors";
import { logError } from "../log";

describe.each(STORE_KINDS)("database errors in the log (%s)", (kind) => {
  let store: TestStore;
  let canaryHash: string;
  let failure: unknown;

  beforeAll(async () => {
    store = await openTestStore(kind);
    await insertUser({ db: store.db, user: { email: "taken@example.com", role: "viewer", authSource: "local", passwordHash: await hashPassword("first-password-1") } });
    canaryHash = await hashPassword("second-password-2");
    failure = await insertUser({ db: store.db, user: { email: "taken@example.com", role: "viewer", authSource: "local", passwordHash: canaryHash } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure, "the duplicate insert fails").toBeInstanceOf(Error);
  });

  afterAll(async () => store?.destroy());
  afterEach(() => vi.restoreAllMocks());

  function captured(run: () => void): string {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args) => void lines.push(args.map(String).join(" ")));
    vi.spyOn(console, "log").mockImplementation((...args) => void lines.push(args.map(String).join(" ")));
    run();
    return lines.join("\n");
  }

  it("toAppError logs the statement and the driver's reason, without the parameters", () => {
    const log = captured(() => void toAppError(failure, { context: "action user.create" }));
    expect(log).toContain("users_email_unique");
    expect(log).toMatch(/database query failed \(insert into "users"/);
    expect(log).not.toContain(canaryHash);
    expect(log).not.toContain(canaryHash.split("$").pop()!);
    expect(log).not.toContain("taken@example.com");
  });

  it("logError of the raw error does the same", () => {
    const log = captured(() => logError("could not add the user", failure));
    expect(log).toContain("users_email_unique");
    expect(log).not.toContain(canaryHash.split("$").pop()!);
    expect(log).not.toContain("params:");
  });
});
