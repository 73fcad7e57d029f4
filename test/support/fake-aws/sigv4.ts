/**
 * Server-side AWS Signature Version 4 verification, done the way AWS does it (canonical request → string to
 * sign → HMAC chain), so that a client signing with the wrong secret is refused exactly as real AWS refuses
 * it. Tests rely on this: "the old key still works" is only meaningful if a wrong key would not.
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { FakeAwsError, signatureDoesNotMatch } from "./errors";

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string; // yyyymmdd from the credential scope
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (`req.url`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
/** AWS refuses requests whose X-Amz-Date is more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (!header) return null;
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!match) {
    throw new FakeAwsError("IncompleteSignature", "Authorization header requires the AWS4-HMAC-SHA256 algorithm.", 400);
  }
  const parts: Record<string, string> = {};
  for (const part of match[1].split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) parts[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const scope = (parts.Credential ?? "").split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !parts.SignedHeaders || !parts.Signature) {
    throw new FakeAwsError(
      "IncompleteSignature",
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
      400,
    );
  }
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: parts.SignedHeaders.split(";"),
    signature: parts.Signature,
  };
}

/** RFC 3986 encoding as SigV4 requires (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  // Non-S3 services sign the path URI-encoded once more than it travels on the wire.
  return path
    .split("/")
    .map((segment) => uriEncode(segment))
    .join("/") || "/";
}

function canonicalQuery(search: URLSearchParams): string {
  const pairs: [string, string][] = [];
  search.forEach((value, key) => {
    if (key !== "X-Amz-Signature") pairs.push([uriEncode(key), uriEncode(value)]);
  });
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined.trim().replace(/\s+/g, " ");
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
}

/**
 * Throws SignatureDoesNotMatch unless `request` was signed with `secretAccessKey` as `auth` claims.
 * `realNow` is the wall clock (the signer uses it too), independent of any virtual test clock.
 */
export function verifySignature(
  request: SignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  realNow: number = Date.now(),
): void {
  const amzDate = headerValue(request.headers["x-amz-date"]);
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dateMatch) throw new FakeAwsError("IncompleteSignature", "Missing or malformed X-Amz-Date header.", 400);
  if (amzDate.slice(0, 8) !== auth.date) {
    throw signatureDoesNotMatch(`Credential should be scoped to a valid date: '${amzDate.slice(0, 8)}'.`);
  }
  const [, y, mo, d, h, mi, s] = dateMatch;
  const signedAt = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Math.abs(realNow - signedAt) > MAX_SKEW_MS) {
    throw signatureDoesNotMatch(`Signature expired: ${amzDate} is outside the allowed 15 minute window.`);
  }
  if (!auth.signedHeaders.includes("host")) {
    throw signatureDoesNotMatch("'Host' must be a signed header.");
  }

  const url = new URL(request.url, "http://fake.invalid");
  const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers[name])}\n`).join("");
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    // The payload hash is computed from the body actually received, so a tampered body fails too.
    sha256Hex(request.body),
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const expected = createHmac("sha256", signingKey(secretAccessKey, auth.date, auth.region, auth.service))
    .update(stringToSign, "utf8")
    .digest();
  const given = Buffer.from(auth.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw signatureDoesNotMatch();
}
