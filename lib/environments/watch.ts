import "server-only";
/**
 * Watching environments: every SSE watcher of this process hangs off one hub, which LISTENs on the store's
 * revision channel (PostgreSQL NOTIFY reaches every Rotor instance sharing the database; PGlite's own LISTEN
 * serves the one process that owns it). A notice only says "environment E has a new revision": the hub then
 * reads the revisions each watcher has not seen yet, once per environment, and hands them out in order.
 *
 * Notices can be lost (a listening connection that drops), so the hub also re-reads every watched environment
 * after a reconnect and on a slow safety poll. A watcher therefore sees every revision exactly once, in
 * order, however the notices arrive.
 */
import type { Db, Store } from "../db/client";
import { getStore } from "../db/client";
import { getEnvironmentById, listRevisionsAfter, REVISION_CHANNEL, type RevisionNotice } from "../db/queries/environments";
import { logError } from "../log";

export interface RevisionEvent {
  revision: number;
  reason: string;
  rotators: string[];
  at: string;
}

export interface Watcher {
  /** The last revision this watcher was told about. */
  lastRevision: number;
  onRevision(event: RevisionEvent): void;
  onDeleted(): void;
}

interface Followed {
  watchers: Set<Watcher>;
  /** Catch-ups of one environment run one after another, so events leave in order. */
  queue: Promise<void>;
}

const SAFETY_POLL_MS = 30_000;

export class RevisionHub {
  private readonly followed = new Map<string, Followed>();
  private unlisten: Promise<() => Promise<void>> | null = null;
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, "listen">,
    private readonly db: Db,
  ) {}

  get watcherCount(): number {
    let n = 0;
    for (const f of this.followed.values()) n += f.watchers.size;
    return n;
  }

  /** Starts following; revisions after `watcher.lastRevision` are delivered first. Returns the unsubscribe. */
  async subscribe(environmentId: string, watcher: Watcher): Promise<() => void> {
    await this.ensureListening();
    let followed = this.followed.get(environmentId);
    if (!followed) {
      followed = { watchers: new Set(), queue: Promise.resolve() };
      this.followed.set(environmentId, followed);
    }
    followed.watchers.add(watcher);
    await this.catchUp(environmentId);
    return () => {
      const f = this.followed.get(environmentId);
      if (!f) return;
      f.watchers.delete(watcher);
      if (f.watchers.size === 0) this.followed.delete(environmentId);
      if (this.followed.size === 0) void this.stopListening();
    };
  }

  private async ensureListening() {
    this.unlisten ??= this.store.listen(REVISION_CHANNEL, {
      onNotify: (payload) => this.onNotice(payload),
      onReconnect: () => this.catchUpAll(),
    });
    try {
      await this.unlisten;
    } catch (error) {
      this.unlisten = null;
      throw error;
    }
    if (!this.poll) {
      this.poll = setInterval(() => this.catchUpAll(), SAFETY_POLL_MS);
      this.poll.unref?.();
    }
  }

  private async stopListening() {
    const unlisten = this.unlisten;
    this.unlisten = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (unlisten) await (await unlisten)().catch(() => undefined);
  }

  private onNotice(payload: string) {
    let notice: RevisionNotice;
    try {
      notice = JSON.parse(payload);
    } catch {
      return;
    }
    if (this.followed.has(notice.environmentId)) void this.catchUp(notice.environmentId);
  }

  private catchUpAll() {
    for (const id of this.followed.keys()) void this.catchUp(id);
  }

  /** Reads what the watchers of one environment have not seen, once, and delivers it in order. */
  private catchUp(environmentId: string): Promise<void> {
    const followed = this.followed.get(environmentId);
    if (!followed) return Promise.resolve();
    followed.queue = followed.queue
      .then(async () => {
        if (followed.watchers.size === 0) return;
        const from = Math.min(...[...followed.watchers].map((w) => w.lastRevision));
        const environment = await getEnvironmentById({ db: this.db, id: environmentId });
        if (!environment) {
          for (const watcher of [...followed.watchers]) watcher.onDeleted();
          return;
        }
        if (environment.currentRevision <= from) return;
        const revisions = await listRevisionsAfter({ db: this.db, environmentId, after: from, limit: 1000 });
        for (const row of revisions) {
          const event: RevisionEvent = { revision: row.revision, reason: row.reason, rotators: row.changedRotators, at: row.createdAt.toISOString() };
          for (const watcher of followed.watchers) {
            if (row.revision > watcher.lastRevision) {
              watcher.lastRevision = row.revision;
              watcher.onRevision(event);
            }
          }
        }
      })
      .catch((error) => logError(`watching environment ${environmentId} failed`, error));
    return followed.queue;
  }
}

const global = globalThis as unknown as { __rotorRevisionHub?: Promise<RevisionHub> };

/** The process's hub, on the process's store. */
export function getRevisionHub(): Promise<RevisionHub> {
  global.__rotorRevisionHub ??= getStore().then((store) => new RevisionHub(store, store.db));
  return global.__rotorRevisionHub;
}
