import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { listDeliveryLog, listWebhookViews } from "@/lib/webhooks/service";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { Time } from "@/components/ui/time";
import { DELIVERY_LOG_DAYS } from "@/lib/webhooks/notifier";
import { WebhookForm, WebhookRowActions } from "./webhook-forms";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "Webhooks" };

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await connection();
  await requirePageUser("admin", "webhooks page");
  const { webhook: webhookFilter } = await searchParams;
  const app = await getAppContext();
  const filter = isRowId(webhookFilter) ? webhookFilter : undefined;
  const [{ webhooks, environments }, deliveries] = await Promise.all([listWebhookViews(app), listDeliveryLog(app, { webhookId: filter, limit: 50 })]);
  const filtered = filter ? webhooks.find((w) => w.id === filter) : undefined;

  return (
    <>
      <p className="muted"><Link href="/settings">Settings</Link> /</p>
      <h1>Webhooks</h1>
      <p className="muted">
        Rotor posts JSON (or a Slack-compatible message) for <span className="mono">rotation.succeeded</span>, <span className="mono">rotation.failed</span>,{" "}
        <span className="mono">rotation.recovered</span> and <span className="mono">rotation.overdue</span>. Every request is signed per{" "}
        <a href="https://www.standardwebhooks.com">Standard Webhooks</a> (<span className="mono">webhook-id</span>, <span className="mono">webhook-timestamp</span>,{" "}
        <span className="mono">webhook-signature</span>): verify it with a Standard Webhooks library and the webhook&apos;s <span className="mono">whsec_</span> secret, and
        de-duplicate on <span className="mono">webhook-id</span> (failed deliveries are retried with backoff). A secret made before Rotor used Standard Webhooks may not decode
        in those libraries: renew it.
      </p>

      {webhooks.length === 0 ? (
        <EmptyState title="No webhooks yet"><p>Add one below to hear about failed, overdue and recovered rotations.</p></EmptyState>
      ) : (
        <table aria-label="Webhooks">
          <thead>
            <tr><th>Name</th><th>URL</th><th>Environments</th><th>Events</th><th>Format</th><th>Status</th><th>Actions</th></tr>
          </thead>
          <tbody>
            {webhooks.map((w) => (
              <tr key={w.id} data-testid={`webhook-row-${w.name}`}>
                <td>
                  {w.name}
                  <div><Link className="muted" href={`/settings/webhooks?webhook=${w.id}`}>deliveries</Link></div>
                </td>
                <td className="mono">{w.urlDisplay}</td>
                <td>{w.environmentName ?? <span className="muted">all</span>}</td>
                <td className="mono" style={{ fontSize: ".8rem" }}>{w.events.join(", ")}</td>
                <td>{w.format}</td>
                <td>{w.enabled ? <span className="badge badge-ok">enabled</span> : <span className="badge">disabled</span>}</td>
                <td>
                  <WebhookRowActions webhookId={w.id} name={w.name} enabled={w.enabled} previousSecretSignsUntil={w.previousSecretSignsUntil?.toISOString() ?? null} />
                  <details>
                    <summary className="muted">Edit</summary>
                    <WebhookForm environments={environments} webhookId={w.id} initial={{ name: w.name, environmentId: w.environmentId ?? "", events: w.events, format: w.format }} />
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Add a webhook</h2>
      <div className="card" style={{ maxWidth: 560 }}>
        <WebhookForm environments={environments} />
      </div>

      <div className="spread">
        <h2>Delivery log{filtered ? ` of ${filtered.name}` : ""}</h2>
        {filtered && <Link href="/settings/webhooks">All webhooks</Link>}
      </div>
      <p className="muted">Newest first; finished deliveries are kept for {DELIVERY_LOG_DAYS} days.</p>
      {deliveries.length === 0 ? (
        <p className="muted">Nothing sent yet.</p>
      ) : (
        <table aria-label="Deliveries">
          <thead>
            <tr><th>Created</th><th>Webhook</th><th>Event</th><th>Status</th><th>Attempts</th><th>HTTP</th><th>Error</th><th>Next attempt</th></tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-testid="delivery-row">
                <td><Time value={d.createdAt} /></td>
                <td>{d.webhookName}</td>
                <td className="mono">{d.eventType}</td>
                <td><StatusBadge status={d.status} /></td>
                <td>{d.attempts}</td>
                <td>{d.responseStatus ?? "—"}</td>
                <td className="field-error">{d.lastError}</td>
                <td>{d.status === "pending" ? <Time value={d.nextAttemptAt} /> : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
