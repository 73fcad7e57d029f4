/**
 * The P3 rows (issue 12), bulk-generated with SQL so that a million of each loads in a minute: `count` audit
 * events (actors user0..user499, and a rare actor every 1,000th event), `count` finished runs one second
 * apart (types and triggers both cycling mod 4, so "aws-iam by schedule" never occurs: the worst case for a
 * filter), the per-day rollup rebuilt as migration 0009 does, and 500 password rotators in one environment.
 * The audit chain is not valid for these rows: this measures plans and latency, not integrity.
 * Used in-process (bench/pages.ts), against a running Rotor's database (bench/pages-http.ts), and the audit
 * events alone into a stopped Rotor's PGlite directory (bench/footprint.ts).
 */
export const RARE_ACTOR = "rare3@example.com";

/** `count` audit events, one second apart, newest now (the P3 actors); also the P4 CSV export's rows. */
export function auditLoadStatement(count: number): string {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`rows must be a positive whole number, not ${count}`);
  return `insert into audit_events (at, actor_label, action, target_type, target_id, target_label, outcome, details, prev_hash, hash)
      select now() - (g || ' seconds')::interval,
             case when g % 1000 = 0 then 'rare' || (g % 7) || '@example.com' else 'user' || (g % 500) || '@example.com' end,
             (array['auth.sign_in','rotation.succeeded','rotation.failed','secret.revealed','user.created'])[1 + g % 5],
             'rotator', (g % 2000)::text, 'rotator-' || (g % 2000), 'success', '{}'::jsonb, '', ''
      from generate_series(1, ${count}) g`;
}

export function pagesLoadStatements(count: number, environmentId: string): string[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`rows must be a positive whole number, not ${count}`);
  if (!/^[0-9a-f-]{36}$/.test(environmentId)) throw new Error(`environmentId must be a uuid, not ${environmentId}`);
  return [
    // The rollup triggers are off during the bulk load and the rollup is rebuilt after.
    `alter table rotation_runs disable trigger rotation_runs_count_days`,
    `alter table rotation_runs disable trigger rotation_runs_count_finished`,
    auditLoadStatement(count),
    `insert into rotation_runs (rotator_name, rotator_type, environment_name, trigger, actor_label, status, started_at, finished_at)
      select 'rotator-' || (g % 2000), (array['postgres','mysql','aws-iam','password'])[1 + g % 4], 'env-' || (g % 50),
             (array['user','schedule','retry','api'])[1 + g % 4], 'system', (array['succeeded','failed'])[1 + (g % 10 = 0)::int],
             now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval + interval '2 seconds'
      from generate_series(1, ${count}) g`,
    `insert into rotation_run_days (day, status, runs)
      select (started_at at time zone 'UTC')::date, status, count(*) from rotation_runs where status in ('succeeded', 'failed') group by 1, 2
      on conflict (day, status) do update set runs = excluded.runs`,
    `alter table rotation_runs enable trigger rotation_runs_count_days`,
    `alter table rotation_runs enable trigger rotation_runs_count_finished`,
    `insert into rotators (environment_id, name, type, inputs, state_summary)
      select '${environmentId}'::uuid, 'rotator-' || lpad(g::text, 3, '0'), 'password', '{}'::jsonb, '{"current": {"password": "••••"}, "previous": null}'::jsonb
      from generate_series(1, 500) g`,
    `analyze`,
  ];
}
