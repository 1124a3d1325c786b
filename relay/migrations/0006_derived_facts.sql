-- Facts about a thread are derived from its Durable Object and written by the queue's
-- consumer, again until D1 takes them: a dead job's record is written once per job.
ALTER TABLE dead_jobs ADD COLUMN job_id TEXT;
CREATE UNIQUE INDEX dead_jobs_by_job ON dead_jobs (job_id);
-- Expired link codes are purged by age.
CREATE INDEX link_codes_by_expiry ON link_codes (expires_at);
