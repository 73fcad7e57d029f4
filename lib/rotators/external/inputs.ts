/**
 * Inputs and credential of the `external` rotator (shared by the client form and the server; no node: imports).
 *
 * `url` and `request` are Pulumi ESC's external rotator inputs, unchanged, so an ESC definition imports as is.
 * The rest is Rotor's: a `verifyUrl` that proves the new credential before it is promoted, the CA of an
 * adapter with a private certificate, a timeout, the fields an answer must have, and the explicit opt-in to
 * plain http (which sends the token and receives the new credential unencrypted).
 */
import { z } from "zod";

export const EXTERNAL_TIMEOUT_DEFAULT_MS = 30_000;
export const EXTERNAL_TIMEOUT_MIN_MS = 200;
export const EXTERNAL_TIMEOUT_MAX_MS = 300_000;
/** Larger than any credential; a bound so a misbehaving adapter cannot make Rotor buffer without end. */
export const EXTERNAL_ANSWER_MAX_BYTES = 64 * 1024;
/** What `request` may weigh once serialised (it is stored and sent on every rotation). */
export const EXTERNAL_REQUEST_MAX_BYTES = 16 * 1024;

/** Loopback hosts: plain http to them never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1";
}

/** The URL as messages show it: no query string (it may carry an API key the user pasted) and no fragment. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

function urlField(name: string) {
  return z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, `${name} is required`)
    .superRefine((raw, ctx) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be a full URL such as https://adapter.example.com/rotate` });
        return;
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") ctx.addIssue({ code: "custom", message: `${name} must start with https://` });
      // Stored in clear and shown on pages: a password in the URL would be neither encrypted nor masked.
      if (url.username || url.password) ctx.addIssue({ code: "custom", message: `${name} must not contain a user name or password: the adapter authenticates Rotor by its signed token` });
      if (url.hash) ctx.addIssue({ code: "custom", message: `${name} must not contain a #fragment` });
    });
}

/** A JSON object, typed in the form as JSON text. */
const requestField = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    if (!value.trim()) return {};
    try {
      return JSON.parse(value);
    } catch {
      return Symbol.for("invalid-json");
    }
  },
  z
    .custom<Record<string, unknown>>((value) => Boolean(value) && typeof value === "object" && !Array.isArray(value), {
      message: 'request must be a JSON object, such as {"service": "billing"}',
    })
    .refine((value) => JSON.stringify(value).length <= EXTERNAL_REQUEST_MAX_BYTES, `request must be at most ${EXTERNAL_REQUEST_MAX_BYTES / 1024} KiB of JSON`),
);

/** Field names, typed in the form as a comma-separated list. */
const keyList = z.preprocess(
  (value) => (typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : value),
  z.array(z.string().regex(/^[^\s,]+$/, "requiredKeys must be field names separated by commas")).max(50, "requiredKeys may name at most 50 fields"),
);

export const externalInputsSchema = z
  .object({
    /** The adapter: Rotor POSTs `{request, state}` here (ESC's `url`). Also the token's audience. */
    url: urlField("url"),
    /** Sent to the adapter as `request` on every rotation (ESC's `request`). Not secret: stored in clear. */
    request: requestField.default({}),
    /** Optional: Rotor POSTs `{request, credential}` here with the new credential before promoting it. */
    verifyUrl: urlField("verifyUrl").optional(),
    /** Plain http to a host that is not loopback. The form labels it as insecure. */
    allowInsecureHttp: z.boolean().default(false),
    /** PEM certificate(s) that signed the adapter's certificate, when it is not publicly trusted. */
    ca: z
      .string()
      .optional()
      .refine((pem) => !pem || /-----BEGIN CERTIFICATE-----/.test(pem), "ca must be PEM text starting with -----BEGIN CERTIFICATE-----"),
    /** How long one request to the adapter may take, connection included. */
    timeoutMs: z
      .number({ error: "timeoutMs must be a number of milliseconds" })
      .int("timeoutMs must be a whole number of milliseconds")
      .min(EXTERNAL_TIMEOUT_MIN_MS, `timeoutMs must be at least ${EXTERNAL_TIMEOUT_MIN_MS}`)
      .max(EXTERNAL_TIMEOUT_MAX_MS, `timeoutMs must be at most ${EXTERNAL_TIMEOUT_MAX_MS}`)
      .default(EXTERNAL_TIMEOUT_DEFAULT_MS),
    /** Fields every answer must have (non-empty), e.g. username, password: anything less fails the rotation. */
    requiredKeys: keyList.default([]),
  })
  .superRefine((inputs, ctx) => {
    for (const name of ["url", "verifyUrl"] as const) {
      const raw = inputs[name];
      if (!raw || !URL.canParse(raw)) continue;
      const url = new URL(raw);
      if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !inputs.allowInsecureHttp) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `${name} must use https: plain http sends the signed token and the new credential unencrypted (allowed only to a loopback address, or with allowInsecureHttp on)`,
        });
      }
    }
  });
export type ExternalInputs = z.output<typeof externalInputsSchema>;

/** Whatever the adapter answers, as long as it is a flat object of text: every value is secret (as in ESC). */
export const externalCredentialSchema = z
  .record(z.string().min(1, "a field name must not be empty"), z.string({ error: "every field of an external credential must be text" }))
  .refine((credential) => Object.keys(credential).length > 0, "an external credential must have at least one field");
