ALTER TABLE "rotation_runs" ADD COLUMN "retiring_check" jsonb;--> statement-breakpoint
ALTER TABLE "rotators" ADD COLUMN "lockout_policy" text DEFAULT 'warn' NOT NULL;