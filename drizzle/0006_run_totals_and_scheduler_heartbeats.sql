CREATE TABLE "rotation_run_totals" (
	"rotator_type" text NOT NULL,
	"status" text NOT NULL,
	"runs" bigint DEFAULT 0 NOT NULL,
	"duration_seconds_sum" double precision DEFAULT 0 NOT NULL,
	"duration_buckets" bigint[] NOT NULL,
	CONSTRAINT "rotation_run_totals_rotator_type_status_pk" PRIMARY KEY("rotator_type","status")
);
--> statement-breakpoint
CREATE TABLE "scheduler_heartbeats" (
	"owner" text PRIMARY KEY NOT NULL,
	"beat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- Bucket bounds (seconds) of rotor_rotation_duration_seconds; the one place they are defined.
CREATE OR REPLACE FUNCTION rotor_run_duration_bounds() RETURNS double precision[] AS $$
  SELECT ARRAY[0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600]::double precision[];
$$ LANGUAGE sql IMMUTABLE;
--> statement-breakpoint
-- Counts a run once, when it becomes succeeded or failed (a resumed run that was failed and then succeeds
-- counts under both: two attempts finished).
CREATE OR REPLACE FUNCTION rotor_count_finished_run() RETURNS trigger AS $$
DECLARE
  seconds double precision;
BEGIN
  IF NEW.status NOT IN ('succeeded', 'failed') OR (TG_OP = 'UPDATE' AND OLD.status = NEW.status) THEN
    RETURN NULL;
  END IF;
  seconds := greatest(0, extract(epoch FROM (coalesce(NEW.finished_at, now()) - NEW.started_at)));
  INSERT INTO rotation_run_totals AS t (rotator_type, status, runs, duration_seconds_sum, duration_buckets)
  VALUES (
    NEW.rotator_type, NEW.status, 1, seconds,
    ARRAY(SELECT CASE WHEN seconds <= b THEN 1 ELSE 0 END FROM unnest(rotor_run_duration_bounds()) WITH ORDINALITY AS u(b, i) ORDER BY i)
  )
  ON CONFLICT (rotator_type, status) DO UPDATE SET
    runs = t.runs + 1,
    duration_seconds_sum = t.duration_seconds_sum + seconds,
    duration_buckets = ARRAY(
      SELECT t.duration_buckets[i] + CASE WHEN seconds <= b THEN 1 ELSE 0 END
      FROM unnest(rotor_run_duration_bounds()) WITH ORDINALITY AS u(b, i) ORDER BY i
    );
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER rotation_runs_count_finished AFTER INSERT OR UPDATE OF status ON rotation_runs
  FOR EACH ROW EXECUTE FUNCTION rotor_count_finished_run();
--> statement-breakpoint
-- The runs finished before this migration.
WITH finished AS (
  SELECT rotator_type, status, greatest(0, extract(epoch FROM (coalesce(finished_at, started_at) - started_at))) AS seconds
  FROM rotation_runs WHERE status IN ('succeeded', 'failed')
), buckets AS (
  SELECT f.rotator_type, f.status, u.i, count(*) FILTER (WHERE f.seconds <= u.b) AS n
  FROM finished f CROSS JOIN unnest(rotor_run_duration_bounds()) WITH ORDINALITY AS u(b, i)
  GROUP BY f.rotator_type, f.status, u.i
)
INSERT INTO rotation_run_totals (rotator_type, status, runs, duration_seconds_sum, duration_buckets)
SELECT f.rotator_type, f.status, count(*), coalesce(sum(f.seconds), 0),
  (SELECT array_agg(b.n ORDER BY b.i) FROM buckets b WHERE b.rotator_type = f.rotator_type AND b.status = f.status)
FROM finished f
GROUP BY f.rotator_type, f.status;
