/**
 * Host inputs: a DNS name or an IP literal, nothing else. Checked when a rotator is saved (form, server
 * action and REST API share the schema), so a host that can never work — a URL, `host:port`, a path, shell
 * syntax, an unclosed `[::1` — is refused with a message that says what to type instead, rather than failing
 * at the first rotation. Client-safe (no node:net): IPv6 literals are checked with the WHATWG URL parser.
 */
import { z } from "zod";

/** RFC 1035: a name is at most 253 characters (without the trailing dot), a label at most 63. */
export const MAX_HOST_LENGTH = 253;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(":")) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Why `host` is not a host name or an IP literal (the complaint after "host"), or null when it is one. */
export function hostProblem(host: string): string | null {
  if (host.includes("\0")) return "must not contain NUL characters";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return "must be a host name, not a URL (db.internal, not postgres://db.internal)";
  if (host.startsWith("[") || host.endsWith("]")) {
    const inner = host.replace(/^\[/, "").replace(/\]$/, "");
    return host.startsWith("[") && host.endsWith("]") && isIpv6(inner) ? "must be an IPv6 address without brackets (::1, not [::1])" : "is not a valid IPv6 address";
  }
  if (host.includes(":")) {
    if (isIpv6(host)) return null;
    const port = /^[^:]+:(\d{1,5})$/.exec(host);
    return port ? `must not include a port: put ${port[1]} in Port` : "is not a valid host name or IPv6 address";
  }
  if (host.includes("/")) return "must be a host name or an IP address, not a path";
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length > MAX_HOST_LENGTH) return `is longer than ${MAX_HOST_LENGTH} characters`;
  const labels = name.split(".");
  // A name whose last label is numeric can only be an IPv4 address (no top-level domain is numeric).
  if (/^\d+$/.test(labels[labels.length - 1])) return IPV4.test(name) ? null : "is not a valid IPv4 address";
  if (labels.some((label) => !LABEL.test(label))) {
    return "must be a host name (letters, digits, - and _ between dots, like db.internal) or an IP address";
  }
  return null;
}

/** A required host input; `field` is its path in the inputs ("host"), as the messages begin with it. */
export function hostSchema(field = "host") {
  return z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, `${field} is required`)
    .max(MAX_HOST_LENGTH + 1, `${field} is longer than ${MAX_HOST_LENGTH} characters`)
    .superRefine((host, ctx) => {
      const problem = hostProblem(host);
      if (problem) ctx.addIssue({ code: "custom", message: `${field} ${problem}` });
    });
}
