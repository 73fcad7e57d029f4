CREATE TABLE "rotation_run_days" (
	"day" date NOT NULL,
	"status" text NOT NULL,
	"runs" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "rotation_run_days_day_status_pk" PRIMARY KEY("day","status")
);
--> statement-breakpoint
CREATE INDEX "audit_events_actor_label_idx" ON "audit_events" USING btree ((lower("actor_label") collate "C"),"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "rotation_runs_trigger_idx" ON "rotation_runs" USING btree ("trigger","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "rotation_runs_type_trigger_idx" ON "rotation_runs" USING btree ("rotator_type","trigger","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
-- Keeps rotation_run_days equal to a direct count of finished runs by UTC start day and status: +1 when a run
-- becomes succeeded or failed, moved when it changes between them, -1 when it is deleted. Pending and running
-- runs are not counted (the chart shows finished ones), so starting a run touches no counter row.
CREATE OR REPLACE FUNCTION rotor_count_run_day() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.started_at = NEW.started_at THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('succeeded', 'failed') THEN
    UPDATE rotation_run_days SET runs = runs - 1
    WHERE day = (OLD.started_at AT TIME ZONE 'UTC')::date AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('succeeded', 'failed') THEN
    INSERT INTO rotation_run_days AS d (day, status, runs) VALUES ((NEW.started_at AT TIME ZONE 'UTC')::date, NEW.status, 1)
    ON CONFLICT (day, status) DO UPDATE SET runs = d.runs + 1;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER rotation_runs_count_days AFTER INSERT OR DELETE OR UPDATE OF status, started_at ON rotation_runs
  FOR EACH ROW EXECUTE FUNCTION rotor_count_run_day();
--> statement-breakpoint
-- The runs finished before this migration.
INSERT INTO rotation_run_days (day, status, runs)
SELECT (started_at AT TIME ZONE 'UTC')::date, status, count(*)
FROM rotation_runs WHERE status IN ('succeeded', 'failed')
GROUP BY 1, 2;
