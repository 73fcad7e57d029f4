"use server";
import { revalidatePath } from "next/cache";
import { authorizedAction } from "@/lib/auth/action";
import { saveScheduleSchema, scheduleIdSchema, setSchedulePausedSchema } from "@/lib/schedules/validation";
import { deleteSchedule, saveSchedule, setSchedulePaused } from "@/lib/schedules/service";

// Operators may edit schedules (lib/auth/roles.ts); the pages showing a schedule are refreshed by the editor.

export const saveScheduleAction = authorizedAction({ name: "schedule.save", role: "operator", schema: saveScheduleSchema }, async (input, ctx) => {
  const target = input.rotatorId ? { rotatorId: input.rotatorId } : { environmentId: input.environmentId! };
  const schedule = await saveSchedule(ctx, { actor: ctx.actor, target, input: input.schedule });
  revalidatePath("/");
  return { ok: true as const, data: { id: schedule.id }, message: "Schedule saved." };
});

export const setSchedulePausedAction = authorizedAction(
  { name: "schedule.pause", role: "operator", schema: setSchedulePausedSchema },
  async (input, ctx) => {
    await setSchedulePaused(ctx, { actor: ctx.actor, scheduleId: input.scheduleId, paused: input.paused });
    revalidatePath("/");
    return { ok: true as const, data: undefined, message: input.paused ? "Schedule paused." : "Schedule resumed." };
  },
);

export const deleteScheduleAction = authorizedAction({ name: "schedule.delete", role: "operator", schema: scheduleIdSchema }, async (input, ctx) => {
  await deleteSchedule(ctx, { actor: ctx.actor, scheduleId: input.scheduleId });
  revalidatePath("/");
  return { ok: true as const, data: undefined, message: "Schedule removed." };
});
