/**
 * The schedule of a rotator or an environment, as mounted on their pages: loads the schedule on the server
 * and hands it (serialized) to the client editor.
 */
import { getAppContext } from "@/lib/app-context";
import { getScheduleView, type ScheduleTarget } from "@/lib/schedules/service";
import { env } from "@/lib/env";
import { ScheduleEditor, type ScheduleEditorState } from "./schedule-editor";

export async function ScheduleSection({ target, canEdit, subject }: { target: ScheduleTarget; canEdit: boolean; subject: string }) {
  const view = await getScheduleView(await getAppContext(), target);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const state: ScheduleEditorState | null = view && {
    id: view.id,
    paused: view.paused,
    description: view.description,
    form: view.form,
    nextRunAt: iso(view.nextRunAt),
    nextRetryAt: iso(view.nextRetryAt),
    retryCount: view.retryCount,
    lastRunAt: iso(view.lastRunAt),
    lastOutcome: view.lastOutcome,
    running: view.running,
    upcoming: view.upcoming.map((d) => d.toISOString()),
  };
  return (
    <ScheduleEditor
      target={target}
      schedule={state}
      canEdit={canEdit}
      minIntervalMinutes={Math.round(env().scheduler.minIntervalMs / 60_000)}
      subject={subject}
    />
  );
}
