/** `GET /environments/{name}/open`: the document applications read, with the conditional (ETag) form. */
import { pathOf, type RotorClient } from "./api-client";
import type { OpenedEnvironment } from "./api-types";

export type OpenFormat = "json" | "dotenv" | "shell" | "yaml";
export const OPEN_FORMATS: OpenFormat[] = ["json", "dotenv", "shell", "yaml"];

export async function openEnvironment(client: RotorClient, environment: string, options: { revision?: number } = {}): Promise<OpenedEnvironment> {
  return client.get<OpenedEnvironment>(`${pathOf("environments", environment)}/open`, { format: "json", revision: options.revision });
}

/** The body as Rotor formats it (dotenv, shell, yaml, json): printed or written as it is. */
export async function openEnvironmentText(client: RotorClient, environment: string, options: { format: OpenFormat; revision?: number }): Promise<string> {
  const response = await client.request("GET", `${pathOf("environments", environment)}/open`, {
    query: { format: options.format, revision: options.revision },
    headers: { Accept: "*/*" },
  });
  return response.text();
}

/**
 * The current document unless it is still `etag` (304: null). The ETag is the revision, so the answer to
 * "has anything changed since revision N" costs no body.
 */
export async function openIfChanged(
  client: RotorClient,
  environment: string,
  etag: string,
): Promise<{ doc: OpenedEnvironment; etag: string } | null> {
  const response = await client.request("GET", `${pathOf("environments", environment)}/open`, {
    query: { format: "json" },
    headers: { "If-None-Match": etag },
  });
  if (response.status === 304) return null;
  const doc = (await response.json()) as OpenedEnvironment;
  return { doc, etag: response.headers.get("etag") ?? etagOf(doc.revision) };
}

export function etagOf(revision: number): string {
  return `"${revision}"`;
}
