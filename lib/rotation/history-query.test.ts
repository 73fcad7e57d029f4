/** The history page's filters, as read from its URL. */
import { describe, expect, it } from "vitest";
import { historyQuerySchema } from "./history-query";

describe("history filters", () => {
  it("accepts every run status, held included (runs the lockout guard deferred)", () => {
    for (const status of ["pending", "running", "succeeded", "failed", "held"]) {
      expect(historyQuerySchema.parse({ status }).status).toBe(status);
    }
  });

  it("ignores a filter it cannot read instead of failing the page", () => {
    expect(historyQuerySchema.parse({ status: "exploded", trigger: "cron", environment: "not-a-uuid", after: "x" })).toEqual({
      status: undefined,
      trigger: undefined,
      environment: undefined,
      after: undefined,
    });
  });
});
