/** Inputs of the schedule server actions (the schedule itself is `scheduleInputSchema`, shared with the editor). */
import { z } from "zod";
import { scheduleInputSchema } from "./schedule-spec";

export const saveScheduleSchema = z
  .object({
    rotatorId: z.uuid().optional(),
    environmentId: z.uuid().optional(),
    schedule: scheduleInputSchema,
  })
  .refine((v) => Boolean(v.rotatorId) !== Boolean(v.environmentId), { message: "A schedule belongs to one rotator or one environment", path: ["rotatorId"] });

export const scheduleIdSchema = z.object({ scheduleId: z.uuid() });
export const setSchedulePausedSchema = z.object({ scheduleId: z.uuid(), paused: z.boolean() });
