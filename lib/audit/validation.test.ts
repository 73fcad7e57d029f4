/** The audit page's From/To are labelled UTC: they must mean UTC whatever the server's time zone is. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditQuerySchema } from "./validation";

describe("audit filters", () => {
  let zone: string | undefined;
  beforeEach(() => {
    zone = process.env.TZ;
    // A server far from UTC (Node applies a changed TZ at once).
    process.env.TZ = "America/New_York";
  });
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it("reads a datetime-local value (no offset) as UTC", () => {
    expect(new Date(2026, 0, 31, 14, 30).getTimezoneOffset()).not.toBe(0);
    const query = auditQuerySchema.parse({ from: "2026-01-31T14:30", to: "2026-01-31T15:45:10" });
    expect(query.from?.toISOString()).toBe("2026-01-31T14:30:00.000Z");
    expect(query.to?.toISOString()).toBe("2026-01-31T15:45:10.000Z");
  });

  it("keeps an explicit offset, and refuses what is not a date", () => {
    expect(auditQuerySchema.parse({ from: "2026-01-31T14:30:00+02:00" }).from?.toISOString()).toBe("2026-01-31T12:30:00.000Z");
    expect(auditQuerySchema.safeParse({ from: "yesterday" }).success).toBe(false);
  });
});
