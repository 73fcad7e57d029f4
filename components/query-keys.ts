/** Query-key factory: one place that names every client-side cache entry, so invalidation stays consistent. */
export const queryKeys = {
  run: (runId: string) => ["runs", runId] as const,
  batch: (batchId: string) => ["batches", batchId] as const,
};

export async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `Request failed (${response.status})`);
  }
  return response.json() as Promise<T>;
}
