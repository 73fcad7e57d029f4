/** Rotor's webhook signatures verify with the Standard Webhooks reference library, and only what was signed. */
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { newWebhookSecret, webhookHeaders } from "./signature";

describe("Standard Webhooks signatures", () => {
  const body = JSON.stringify({ type: "rotation.failed", rotator: { name: "db" } });
  const id = "5b7e0c0a-8a8f-4c1b-9d7c-0e6a2f1c9e11";
  const timestamp = Math.floor(Date.now() / 1000);

  it("the reference library verifies a delivery, and refuses a changed body, id or timestamp, or another secret", () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders({ secrets: [secret], id, timestamp, body });
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("db", "dc"), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": `${id}x` })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-timestamp": String(timestamp + 1) })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it("during a secret renewal both secrets sign, so a receiver with either one verifies", () => {
    const [renewed, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders({ secrets: [renewed, previous], id, timestamp, body });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(renewed).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it("the reference library refuses an old timestamp (replay)", () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders({ secrets: [secret], id, timestamp: timestamp - 600, body });
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/i);
  });
});
