/**
 * Temporary AWS credentials from logins, kept in this process's memory only (never in the store, never in a
 * log) and only until shortly before they expire, so a run never starts with credentials that lapse halfway.
 * Concurrent requests for the same key share one STS call.
 */
import type { TemporaryCredentials } from "./sts";

/** A credential is not handed out when it has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

interface Entry {
  value?: TemporaryCredentials;
  loading?: Promise<TemporaryCredentials>;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { refreshMarginMs?: number; now?: () => number } = {}) {}

  private fresh(value: TemporaryCredentials | undefined): value is TemporaryCredentials {
    const now = this.options.now?.() ?? Date.now();
    return Boolean(value && value.expiration.getTime() - (this.options.refreshMarginMs ?? REFRESH_MARGIN_MS) > now);
  }

  async get(key: string, load: () => Promise<TemporaryCredentials>): Promise<TemporaryCredentials> {
    const entry = this.entries.get(key) ?? {};
    if (this.fresh(entry.value)) return entry.value;
    if (entry.loading) return entry.loading;
    const loading = load().then(
      (value) => {
        this.entries.set(key, { value });
        return value;
      },
      (error) => {
        this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, { loading });
    return loading;
  }

  /** Forget every entry whose key starts with `prefix` (a login changed or was deleted). */
  invalidate(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

const global = globalThis as unknown as { __rotorAwsLoginCache?: CredentialCache };
/** The process-wide cache (one per process, also across Next.js module reloads in development). */
export const credentialCache: CredentialCache = (global.__rotorAwsLoginCache ??= new CredentialCache());
