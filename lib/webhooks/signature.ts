/**
 * Webhook signatures per the Standard Webhooks specification (https://www.standardwebhooks.com), so any of
 * its libraries verifies Rotor's deliveries:
 *
 *   webhook-id:         the event id (the same on every retry of one event: receivers de-duplicate on it)
 *   webhook-timestamp:  Unix seconds (receivers refuse old ones: replay protection)
 *   webhook-signature:  v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">  — one per secret, space-separated
 *
 * The key is the base64 part of the `whsec_…` secret. While a renewed secret overlaps the previous one, both
 * sign, so a receiver that has either verifies.
 */
import { createHmac, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "whsec_";

/** A new secret: 32 random bytes in standard base64, as the Standard Webhooks libraries decode them. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** The HMAC key of a secret. Secrets made before Standard Webhooks were base64url; Node decodes both alphabets. */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
}

export function webhookSignature({ secrets, id, timestamp, body }: { secrets: readonly string[]; id: string; timestamp: number; body: string }): string {
  return secrets.map((secret) => `v1,${createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest("base64")}`).join(" ");
}

export function webhookHeaders(request: { secrets: readonly string[]; id: string; timestamp: number; body: string }): Record<string, string> {
  return {
    "webhook-id": request.id,
    "webhook-timestamp": String(request.timestamp),
    "webhook-signature": webhookSignature(request),
  };
}
