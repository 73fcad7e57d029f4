/**
 * Re-opens the environment when the watch stream says a revision landed, one request at a time, with
 * If-None-Match so an unchanged environment costs a 304. A failed re-open (Rotor unreachable, an error)
 * never touches the child: it is retried with backoff until it succeeds or a newer revision supersedes it.
 */
import type { RotorClient } from "../api-client";
import type { OpenedEnvironment } from "../api-types";
import { etagOf, openIfChanged } from "../environment-open";
import { backoffDelay, DEFAULT_BACKOFF, sleep, type Backoff } from "../watch-stream";

export interface RefresherOptions {
  client: RotorClient;
  environment: string;
  /** The revision the caller already has. */
  revision: number;
  onDocument: (doc: OpenedEnvironment) => void;
  log: (line: string) => void;
  signal: AbortSignal;
  backoff?: Backoff;
}

export class Refresher {
  private have: number;
  private etag: string;
  private wanted: number;
  private running: Promise<void> | undefined;

  constructor(private readonly options: RefresherOptions) {
    this.have = options.revision;
    this.wanted = options.revision;
    this.etag = etagOf(options.revision);
  }

  /** Revision `revision` exists (a watch event): fetch it, or anything newer, unless we have it. */
  want(revision: number): void {
    if (revision > this.wanted) this.wanted = revision;
    this.kick();
  }

  private kick(): void {
    if (this.running || this.wanted <= this.have || this.options.signal.aborted) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      this.kick(); // a want() that came while the loop was finishing
    });
  }

  /** Resolves when the loop has nothing left to do (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    while (this.have < this.wanted && !this.options.signal.aborted) {
      try {
        const changed = await openIfChanged(this.options.client, this.options.environment, this.etag);
        if (changed && changed.doc.revision > this.have) {
          this.have = changed.doc.revision;
          this.etag = changed.etag;
          if (failures) this.options.log(`opened ${this.options.environment} again (revision ${this.have})`);
          failures = 0;
          this.options.onDocument(changed.doc);
          continue;
        }
        // 304, or an older revision: another Rotor instance has not seen the revision yet. Ask again shortly.
        failures += 1;
      } catch (error) {
        if (this.options.signal.aborted) return;
        failures += 1;
        const delay = backoffDelay(failures, backoff);
        this.options.log(
          `could not open ${this.options.environment} for revision ${this.wanted} (${(error as Error).message.split("\n")[0]}); ` +
            `the command keeps running; retrying in ${(delay / 1000).toFixed(1)} s`,
        );
        await sleep(delay, this.options.signal);
        continue;
      }
      await sleep(backoffDelay(failures, backoff), this.options.signal);
    }
  }
}
