"use server";
import { revalidatePath } from "next/cache";
import { authorizedAction } from "@/lib/auth/action";
import { changeRoleSchema, createUserSchema, resetPasswordSchema, setDisabledSchema } from "@/lib/users/validation";
import { resetUserPassword } from "@/lib/users/passwords";
import { changeUserRole, createLocalUser, setUserDisabled } from "@/lib/users/service";
import { liftSignInLock } from "@/lib/auth/sign-in-throttle";
import { z } from "zod";

export const createUserAction = authorizedAction({ name: "user.create", role: "admin", schema: createUserSchema }, async (input, ctx) => {
  const user = await createLocalUser({ db: ctx.db, actor: ctx.actor, ...input });
  revalidatePath("/settings");
  return { ok: true as const, data: { id: user.id }, message: `Added ${user.email}.` };
});

export const changeRoleAction = authorizedAction({ name: "user.change_role", role: "admin", schema: changeRoleSchema }, async (input, ctx) => {
  await changeUserRole({ db: ctx.db, actor: ctx.actor, ...input });
  revalidatePath("/settings");
  return { ok: true as const, data: undefined, message: "Role changed." };
});

export const setDisabledAction = authorizedAction({ name: "user.set_disabled", role: "admin", schema: setDisabledSchema }, async (input, ctx) => {
  await setUserDisabled({ db: ctx.db, actor: ctx.actor, ...input });
  revalidatePath("/settings");
  return { ok: true as const, data: undefined, message: input.disabled ? "User disabled." : "User enabled." };
});

export const liftSignInLockAction = authorizedAction(
  { name: "sign_in.lift_lock", role: "admin", schema: z.object({ key: z.string().min(1, "Choose a lock").max(400) }) },
  async (input, ctx) => {
    await liftSignInLock({ db: ctx.db, actor: ctx.actor, key: input.key });
    revalidatePath("/settings");
    return { ok: true as const, data: undefined, message: "Lock lifted." };
  },
);

/**
 * The temporary password comes back once, in this action's answer, for the admin to hand over; it is in no
 * page, log or audit entry afterwards.
 */
export const resetPasswordAction = authorizedAction({ name: "user.reset_password", role: "admin", schema: resetPasswordSchema }, async (input, ctx) => {
  const reset = await resetUserPassword({ db: ctx.db, actor: ctx.actor, userId: input.userId, password: input.password });
  revalidatePath("/settings");
  return {
    ok: true as const,
    data: { temporaryPassword: reset.generated ? reset.password : null },
    message: `Password of ${reset.email} reset. They must choose a new one at their next sign-in; their sessions were signed out.`,
  };
});
