/**
 * The one HTTP client of Rotor's REST API (/api/v1). Every command goes through it, so the bearer token, the
 * problem+json error handling and the "is this Rotor at all?" check live in one place.
 *
 * The token only ever travels in the Authorization header: never in a URL, a message or a log line.
 */
import { version } from "../package.json";
import { ApiError, UnreachableError, type Problem } from "./errors";

export const CLI_VERSION: string = version;
const USER_AGENT = `rotor-cli/${CLI_VERSION} node/${process.versions.node}`;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface RotorTarget {
  /** Base URL without a trailing slash, e.g. https://rotor.example.com */
  url: string;
  token?: string;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to a 30 s timeout; the watch stream passes its own signal. */
  signal?: AbortSignal;
  /** Send the bearer token (default true; `POST /auth/token` is the one call without it). */
  auth?: boolean;
}

/** `encodeURIComponent` for every segment: environment names may contain `/`. */
export function pathOf(...segments: (string | number)[]): string {
  return segments.map((segment) => `/${encodeURIComponent(String(segment))}`).join("");
}

export class RotorClient {
  constructor(readonly target: RotorTarget) {}

  apiUrl(path: string, query?: Query): string {
    const url = new URL(`${this.target.url}/api/v1${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /**
   * The raw response for 2xx and 304; throws ApiError for Rotor's refusals and UnreachableError when the
   * network fails or the answer is not Rotor's API (an HTML page from a proxy, a wrong URL).
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { "User-Agent": USER_AGENT, Accept: "application/json, application/problem+json", ...options.headers };
    if (options.auth !== false && this.target.token) headers.Authorization = `Bearer ${this.target.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.apiUrl(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
        redirect: "manual",
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new UnreachableError(`Cannot reach Rotor at ${this.target.url}: ${networkReason(error)}`);
    }
    if (response.ok || response.status === 304) return response;
    throw await errorFrom(response, this.target.url);
  }

  /** A JSON call; `undefined` for 204. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UnreachableError(`Rotor at ${this.target.url} answered ${method} ${path} with something that is not JSON.`);
    }
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>("GET", path, { query });
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>("POST", path, { body: body ?? {} });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PUT", path, { body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PATCH", path, { body });
  }
  delete(path: string): Promise<void> {
    return this.json<void>("DELETE", path);
  }
}

async function errorFrom(response: Response, base: string): Promise<Error> {
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text().catch(() => "");
  if (/json/i.test(type)) {
    try {
      return new ApiError(response.status, JSON.parse(text) as Problem);
    } catch {
      // fall through: not a problem document
    }
  }
  if (response.status >= 300 && response.status < 400) {
    return new UnreachableError(`Rotor at ${base} redirected the API request to ${response.headers.get("location") ?? "elsewhere"}: check the URL (https:// vs http://, a path prefix).`);
  }
  return new UnreachableError(
    `${base} answered HTTP ${response.status} ${response.statusText} without an API error: is this the URL of a Rotor server?`,
  );
}

/** undici hides the useful part ("connect ECONNREFUSED 127.0.0.1:3000") in `cause`. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === "TimeoutError") return "no answer in time";
  return cause?.message ?? cause?.code ?? (error as Error).message ?? String(error);
}
