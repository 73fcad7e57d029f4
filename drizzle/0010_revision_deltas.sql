ALTER TABLE "environment_revisions" ALTER COLUMN "document_ciphertext" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "environment_revisions" ADD COLUMN "delta_ciphertext" text;--> statement-breakpoint
CREATE INDEX "environment_revisions_snapshots" ON "environment_revisions" USING btree ("environment_id","revision") WHERE "environment_revisions"."document_ciphertext" is not null;