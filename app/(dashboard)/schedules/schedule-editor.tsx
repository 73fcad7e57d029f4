"use client";
/**
 * The schedule editor. It validates with the server's own code (lib/schedules/schedule-spec.ts) as the user
 * types — cron syntax, time zone, the minimum interval, the window — and previews the next five runs in the
 * browser's time zone, in the schedule's own and in UTC, so what the user sees is what the scheduler will do.
 */
import { useDeferredValue, useMemo, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { formatInZone, validateScheduleInput, type ScheduleField, type ScheduleFormValues } from "@/lib/schedules/schedule-spec";
import { deleteScheduleAction, saveScheduleAction, setSchedulePausedAction } from "./actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { callAction } from "@/components/ui/action-form";
import { Time, useBrowserTimeZone } from "@/components/ui/time";

export interface ScheduleEditorState {
  id: string;
  paused: boolean;
  description: string;
  form: ScheduleFormValues;
  nextRunAt: string | null;
  nextRetryAt: string | null;
  retryCount: number;
  lastRunAt: string | null;
  lastOutcome: string | null;
  running: boolean;
  upcoming: string[];
}

export type ScheduleEditorTarget = { rotatorId: string } | { environmentId: string };

/** A new schedule's time zone is empty until the user picks one: it means the browser's. */
const NEW_SCHEDULE: ScheduleFormValues = { kind: "cron", cron: "0 3 * * *", timezone: "", every: "30", unit: "days", at: "03:00", runAt: "", windowMinutes: "0" };
const hint = { fontWeight: 400, fontSize: ".8rem" } as const;

function timeZoneNames(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

export function ScheduleEditor({
  target,
  schedule,
  canEdit,
  minIntervalMinutes,
  subject,
}: {
  target: ScheduleEditorTarget;
  schedule: ScheduleEditorState | null;
  canEdit: boolean;
  minIntervalMinutes: number;
  /** "this rotator" / "every rotator in production" */
  subject: string;
}) {
  const router = useRouter();
  const [typed, setValues] = useState<ScheduleFormValues>(schedule?.form ?? NEW_SCHEDULE);
  // The browser's time zone (and clock) exist only in the browser: null while rendering on the server and
  // hydrating, so both renders agree.
  const browserZone = useBrowserTimeZone();
  const mounted = browserZone !== null;
  const zone = browserZone ?? "UTC";
  const values = useMemo(() => ({ ...typed, timezone: typed.timezone || zone }), [typed, zone]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [pending, startTransition] = useTransition();
  const deferred = useDeferredValue(values);

  const check = useMemo(
    () => (mounted ? validateScheduleInput(deferred, { now: new Date(), minIntervalMs: minIntervalMinutes * 60_000 }) : null),
    [mounted, deferred, minIntervalMinutes],
  );
  const zones = useMemo(() => (mounted ? timeZoneNames() : []), [mounted]);
  const errorFor = (field: ScheduleField) => (check && !check.ok && check.field === field ? check.error : serverErrors[`schedule.${field}`]);
  const set = (field: keyof ScheduleFormValues) => (e: { target: { value: string } }) => {
    const value = e.target.value;
    setMessage(null);
    setServerErrors({});
    setValues((v) => ({ ...v, [field]: value }));
  };

  const run = (action: () => Promise<{ ok: boolean; error?: string; message?: string; fieldErrors?: Record<string, string> }>) =>
    startTransition(async () => {
      setMessage(null);
      const result = await callAction(action);
      if (result.ok) {
        setMessage({ ok: true, text: result.message ?? "Saved." });
        router.refresh();
      } else {
        setServerErrors(result.fieldErrors ?? {});
        setMessage({ ok: false, text: result.error ?? "Something went wrong." });
      }
    });

  // Label, control, hint and error are siblings (not all inside <label>), so the control's accessible name
  // is exactly its label; hint and error are its description.
  const field = (name: ScheduleField, label: string, input: React.ReactNode, help?: string) => {
    const error = errorFor(name);
    return (
      <div style={{ display: "grid", gap: ".3rem" }}>
        <label htmlFor={`schedule-${name}`}>{label}</label>
        {input}
        {help && <span id={`schedule-${name}-help`} className="muted" style={hint}>{help}</span>}
        {error && <span id={`schedule-${name}-error`} className="field-error" role="alert">{error}</span>}
      </div>
    );
  };
  const aria = (name: ScheduleField, help = false) => {
    const error = errorFor(name);
    const describedBy = [help && `schedule-${name}-help`, error && `schedule-${name}-error`].filter(Boolean).join(" ");
    return { id: `schedule-${name}`, "aria-invalid": error ? (true as const) : undefined, "aria-describedby": describedBy || undefined };
  };

  return (
    <section className="card" aria-label="Schedule" data-testid="schedule">
      <div className="spread">
        <h2 style={{ margin: 0 }}>Schedule</h2>
        {schedule && (
          <span className={`badge ${schedule.paused ? "badge-neutral" : "badge-ok"}`} data-testid="schedule-state">
            {schedule.paused ? "paused" : "active"}
          </span>
        )}
      </div>
      {schedule ? (
        <p data-testid="schedule-summary">
          Rotates {subject} {schedule.description}.{" "}
          {schedule.paused ? (
            <span>Paused: nothing rotates automatically until it is resumed.</span>
          ) : schedule.nextRunAt ? (
            <span>Next run <Time value={schedule.nextRunAt} seconds={false} />.</span>
          ) : (
            <span>No further runs.</span>
          )}
          {schedule.nextRetryAt && !schedule.paused && (
            <span className="field-error"> Retry {schedule.retryCount} planned at <Time value={schedule.nextRetryAt} seconds={false} />.</span>
          )}
          {schedule.lastRunAt && (
            <span className="muted"> Last scheduled run <Time value={schedule.lastRunAt} seconds={false} />: {schedule.lastOutcome ?? "—"}.</span>
          )}
        </p>
      ) : (
        <p className="muted">No schedule: {subject} rotates only when someone presses Rotate now.</p>
      )}

      {canEdit && (
        <form
          className="stack"
          aria-label={schedule ? "Edit schedule" : "New schedule"}
          onSubmit={(e) => {
            e.preventDefault();
            run(() => saveScheduleAction(null, { ...target, schedule: values }));
          }}
        >
          <div className="row" style={{ alignItems: "start" }}>
            {field(
              "kind",
              "Kind",
              <select name="kind" value={values.kind} onChange={set("kind")} {...aria("kind")}>
                <option value="cron">Cron expression</option>
                <option value="interval">Interval</option>
                <option value="once">Once</option>
              </select>,
            )}
            {field(
              "timezone",
              "Time zone",
              <>
                <input name="timezone" list="schedule-time-zones" value={mounted ? values.timezone : typed.timezone} onChange={set("timezone")} autoComplete="off" {...aria("timezone")} />
                <datalist id="schedule-time-zones">
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </>,
            )}
          </div>
          {values.kind === "cron" &&
            field(
              "cron",
              "Cron expression",
              <input name="cron" className="mono" value={values.cron} onChange={set("cron")} placeholder="0 3 * * *" autoComplete="off" {...aria("cron", true)} />,
              "minute hour day-of-month month day-of-week, e.g. 0 3 * * 1 for Mondays at 03:00; @daily, @weekly and @monthly work too",
            )}
          {values.kind === "interval" && (
            <div className="row" style={{ alignItems: "start" }}>
              {field("every", "Every", <input name="every" type="number" min={1} value={values.every} onChange={set("every")} {...aria("every")} />)}
              {field(
                "unit",
                "Unit",
                <select name="unit" value={values.unit} onChange={set("unit")} {...aria("unit")}>
                  <option value="days">days</option>
                  <option value="hours">hours</option>
                </select>,
              )}
              {values.unit === "days" && field("at", "At", <input name="at" type="time" value={values.at} onChange={set("at")} {...aria("at", true)} />, "wall-clock time in the time zone")}
            </div>
          )}
          {values.kind === "once" &&
            field("runAt", "Date and time", <input name="runAt" type="datetime-local" value={values.runAt} onChange={set("runAt")} {...aria("runAt", true)} />, "in the time zone above")}
          {field(
            "windowMinutes",
            "Window (minutes)",
            <input name="windowMinutes" type="number" min={0} max={1440} value={values.windowMinutes} onChange={set("windowMinutes")} {...aria("windowMinutes", true)} />,
            "0 starts on time; otherwise each run starts at a random moment within this many minutes after its time",
          )}

          <NextRuns
            runs={check?.ok ? check.nextRuns : null}
            zone={zone}
            scheduleZone={values.timezone}
            paused={schedule?.paused ?? false}
            windowMinutes={check?.ok ? check.spec.windowMinutes : 0}
          />
          <p className="muted" style={hint}>Rotations are never scheduled less than {minIntervalMinutes} minutes apart.</p>

          {message && (
            <p className={`alert ${message.ok ? "alert-ok" : "alert-error"}`} role={message.ok ? "status" : "alert"}>
              {message.text}
            </p>
          )}
          <div className="row">
            <button className="btn btn-primary" type="submit" disabled={pending || !check?.ok}>
              Save schedule
            </button>
            {schedule && (
              <button
                className="btn"
                type="button"
                disabled={pending}
                onClick={() => run(() => setSchedulePausedAction(null, { scheduleId: schedule.id, paused: !schedule.paused }))}
              >
                {schedule.paused ? "Resume" : "Pause"}
              </button>
            )}
            {schedule && (
              <ConfirmButton
                label="Remove schedule"
                className="btn btn-danger"
                title="Remove this schedule?"
                confirmLabel="Remove"
                disabled={pending}
                onConfirm={() => run(() => deleteScheduleAction(null, { scheduleId: schedule.id }))}
              >
                <p>{subject.charAt(0).toUpperCase() + subject.slice(1)} will rotate only when someone presses Rotate now.</p>
              </ConfirmButton>
            )}
          </div>
        </form>
      )}
      {!canEdit && schedule && (
        <NextRuns runs={mounted ? schedule.upcoming.map((d) => new Date(d)) : null} zone={zone} scheduleZone={schedule.form.timezone || zone} paused={schedule.paused} windowMinutes={0} />
      )}
    </section>
  );
}

/**
 * The preview: each run in the viewer's zone, in the schedule's own zone when that differs (a schedule in
 * Europe/Berlin seen from New York), and in UTC. A paused schedule runs nothing, so it lists nothing.
 */
function NextRuns({ runs, zone, scheduleZone, paused, windowMinutes }: { runs: Date[] | null; zone: string; scheduleZone: string; paused: boolean; windowMinutes: number }) {
  if (!runs) return null;
  const ownZone = scheduleZone && scheduleZone !== zone && scheduleZone !== "UTC" && isTimeZone(scheduleZone) ? scheduleZone : null;
  return (
    <div>
      <h3 style={{ fontSize: "1rem", margin: ".25rem 0" }}>Next runs</h3>
      {paused ? (
        <p className="muted" data-testid="next-runs-paused">None while the schedule is paused: resume it to plan runs again.</p>
      ) : runs.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Next runs">
            <thead>
              <tr>
                <th>Your time ({zone})</th>
                {ownZone && <th>Schedule&apos;s time ({ownZone})</th>}
                <th>UTC</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.toISOString()}>
                  <td>{formatInZone(run, zone)}</td>
                  {ownZone && <td>{formatInZone(run, ownZone)}</td>}
                  <td>{formatInZone(run, "UTC")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {windowMinutes > 0 && !paused && <p className="muted" style={hint}>Each run starts within {windowMinutes} minutes after the time shown.</p>}
    </div>
  );
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
