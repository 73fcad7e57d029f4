/**
 * Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}` with the webhook's secret, sent as
 *
 *   X-Rotor-Signature: t=1767225600,v1=5f2b…(hex)
 *
 * A receiver recomputes the HMAC over the timestamp and the raw body it received, compares in constant time,
 * and refuses timestamps older than a few minutes (replay protection). `verifySignature` does exactly that
 * and is what Rotor's own tests use as the receiver.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-rotor-signature";

export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signatureHeader({ secret, timestamp, body }: { secret: string; timestamp: number; body: string }): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

export function verifySignature({
  secret,
  header,
  body,
  now = Date.now(),
  toleranceSeconds = 300,
}: {
  secret: string;
  header: string | null | undefined;
  body: string;
  now?: number;
  toleranceSeconds?: number;
}): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, timestamp, body), "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
