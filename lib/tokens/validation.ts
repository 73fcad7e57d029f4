/**
 * What a new API token is made of, as zod schemas shared by the two doors: the REST API's body
 * (POST /api/v1/tokens: `expiresAt` as an ISO time) and the Settings → API tokens form (`expiresOn` as a date).
 * Both become a NewToken for lib/tokens/tokens.ts `createToken`, which applies the rules (who may create
 * what, expiry in the future, environments that exist).
 */
import { z } from "zod";

/** The same list as the api_tokens.scope column (lib/db/schema.ts), kept free of the database layer. */
export const TOKEN_SCOPE_VALUES = ["read", "rotate", "admin"] as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof TOKEN_SCOPE_VALUES)[number], string> = {
  read: "open and watch its environments",
  rotate: "read, plus rotate, follow runs and read rotators and schedules",
  admin: "everything the API offers",
};

export const tokenNameSchema = z.string().trim().min(1, "Give the token a name").max(100, "Use at most 100 characters");

export const tokenScopeSchema = z.enum(TOKEN_SCOPE_VALUES, { message: "scope must be read, rotate or admin" });

export const tokenEnvironmentsSchema = z.union([
  z.literal("*"),
  z.array(z.string().trim().min(1).max(100)).min(1, 'Name at least one environment, or "*" for all').max(500),
]);

/** The API's expiry: an ISO 8601 time, or null/absent for none. */
export const expiresAtSchema = z.iso
  .datetime({ offset: true, message: "expiresAt must be an ISO 8601 time, e.g. 2027-01-31T00:00:00Z" })
  .nullable()
  .optional()
  .transform((v) => (v ? new Date(v) : null));

/** The form's expiry: a date (the token stops working at the end of that day, UTC), or empty for none. */
export const expiresOnSchema = z
  .string()
  .trim()
  .regex(/^(\d{4}-\d{2}-\d{2})?$/, "Use a date such as 2027-01-31")
  .optional()
  .transform((v) => (v ? new Date(`${v}T23:59:59.999Z`) : null))
  .refine((d) => d === null || !Number.isNaN(d.getTime()), "Use a real date");

/** The kinds of token and what each needs; `expiry` is the door's own spelling of the expiry. */
function newTokenSchema<E extends z.ZodType<Date | null>>(expiry: E) {
  return z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("personal"), name: tokenNameSchema, expiresAt: expiry }),
    z.object({ kind: z.literal("service"), name: tokenNameSchema, scope: tokenScopeSchema, environments: tokenEnvironmentsSchema.default("*"), expiresAt: expiry }),
  ]);
}

/** POST /api/v1/tokens. */
export const createTokenBodySchema = newTokenSchema(expiresAtSchema);
/** The Settings → API tokens form (its server action sends the date field as `expiresAt` too). */
export const createTokenFormSchema = newTokenSchema(expiresOnSchema);

/** What createToken receives from either door. */
export type NewToken = z.output<typeof createTokenBodySchema>;

export const revokeTokenFormSchema = z.object({ tokenId: z.uuid({ message: "Not a token id" }) });
