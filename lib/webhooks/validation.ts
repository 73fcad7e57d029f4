/** The webhook form's schema, shared by the browser form and the server action. */
import { z } from "zod";
import { WEBHOOK_EVENTS } from "./event-types";

export const WEBHOOK_FORMATS = ["json", "slack"] as const;

const urlSchema = z
  .string()
  .trim()
  .max(2000, "Use a URL of at most 2000 characters")
  .refine((text) => {
    try {
      const url = new URL(text);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  }, "Enter an http:// or https:// URL");

const base = {
  name: z.string().trim().min(1, "Give the webhook a name").max(100, "Use at most 100 characters"),
  /** Empty: every environment. */
  environmentId: z.union([z.uuid(), z.literal("")]).default(""),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, "Choose at least one event"),
  format: z.enum(WEBHOOK_FORMATS).default("json"),
};

export const createWebhookSchema = z.object({ ...base, url: urlSchema });
/** On edit an empty URL keeps the stored one (it is not shown again: it may be a credential). */
export const updateWebhookSchema = z.object({ ...base, webhookId: z.uuid(), url: z.union([urlSchema, z.literal("")]).default("") });
export const webhookIdSchema = z.object({ webhookId: z.uuid() });
export const setWebhookEnabledSchema = z.object({ webhookId: z.uuid(), enabled: z.boolean() });

export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

/** scheme://host/… — enough to recognise a URL without showing a token in its path or query. */
export function displayUrl(text: string): string {
  const url = new URL(text);
  const more = (url.pathname && url.pathname !== "/") || url.search ? "/…" : "";
  return `${url.protocol}//${url.host}${more}`;
}
