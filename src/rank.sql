------------------------------------------------------------------------------
-- Rank measures and event ranking (src/rank.h)
------------------------------------------------------------------------------

-- Exact rank measures.  The state type holds the sample itself (pairs of float8).
CREATE TYPE cq.rank_sample;

CREATE FUNCTION cq_internal.rank_sample_in(cstring) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_out(cq.rank_sample) RETURNS cstring
AS 'MODULE_PATHNAME', 'rank_sample_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_recv(internal) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.rank_sample_send(cq.rank_sample) RETURNS bytea
AS 'MODULE_PATHNAME', 'rank_sample_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.rank_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = cq_internal.rank_sample_in,
    OUTPUT = cq_internal.rank_sample_out,
    RECEIVE = cq_internal.rank_sample_recv,
    SEND = cq_internal.rank_sample_send,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE cq.rank_sample IS
'A sample of (x, y) pairs, kept exactly because exact ranks need every value: the state of cq.rank_correlation and cq.auc, and a storable summary built by cq.rank_sample, merged by cq.rank_rollup and read by cq.rank_correlation(sample), cq.auc(sample) and cq.rank_n. Text form v1:<count>:x,y;x,y;... (floats in shortest exact form).';
COMMENT ON FUNCTION cq_internal.rank_sample_in(cstring) IS 'Text input of cq.rank_sample (format v1; the count must match the pairs; NaN rejected).';
COMMENT ON FUNCTION cq_internal.rank_sample_out(cq.rank_sample) IS 'Text output of cq.rank_sample (format v1; floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq_internal.rank_sample_recv(internal) IS 'Binary input of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';
COMMENT ON FUNCTION cq_internal.rank_sample_send(cq.rank_sample) IS 'Binary output of cq.rank_sample (version byte 1, int8 count, then the pairs as float8).';

CREATE FUNCTION cq_internal.rank_sample_transfn(cq.rank_sample, float8, float8) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_transfn(cq.rank_sample, float8, float8) IS
'Transition function of cq.rank_sample and cq.rank_correlation: appends (x, y); rows with a NULL are skipped; NaN is an error.';

CREATE FUNCTION cq_internal.auc_transfn(cq.rank_sample, float8, boolean) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'auc_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.auc_transfn(cq.rank_sample, float8, boolean) IS
'Transition function of cq.auc: appends (score, 1 or 0); rows with a NULL are skipped; a NaN score is an error.';

CREATE FUNCTION cq_internal.rank_sample_combine(cq.rank_sample, cq.rank_sample) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_combine(cq.rank_sample, cq.rank_sample) IS
'Combine function of the rank aggregates and transition of cq.rank_rollup: concatenates two samples (NULL sides skipped).';

CREATE FUNCTION cq_internal.rank_correlation_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'rank_correlation_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_correlation_finalfn(cq.rank_sample) IS
'Final function of cq.rank_correlation: Spearman''s rho with average ranks for ties.';

CREATE FUNCTION cq_internal.auc_finalfn(cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'auc_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.auc_finalfn(cq.rank_sample) IS
'Final function of cq.auc: Mann-Whitney U / (n1 n0), ties counting one half.';

CREATE AGGREGATE cq.rank_correlation(x float8, y float8) (
    SFUNC = cq_internal.rank_sample_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_correlation_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_correlation(float8, float8) IS
'Spearman rank correlation of x and y, exact: tied values get the average of their ranks (as scipy.stats.spearmanr). Rows with a NULL are skipped; NULL with fewer than 2 pairs or a constant variable. Keeps every pair (16 bytes each) until the end.';

CREATE AGGREGATE cq.auc(score float8, label boolean) (
    SFUNC = cq_internal.auc_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.auc_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.auc(float8, boolean) IS
'ROC AUC of score for label, exact: the probability that a random positive scores above a random negative, ties counting one half (as sklearn.metrics.roc_auc_score). Rows with a NULL are skipped; NULL unless both labels occur. Keeps every pair (16 bytes each) until the end.';


-- Two-step use: store samples, merge them, read the measures
CREATE FUNCTION cq_internal.rank_sample_finalfn(cq.rank_sample) RETURNS cq.rank_sample
AS 'MODULE_PATHNAME', 'rank_sample_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.rank_sample_finalfn(cq.rank_sample) IS
'Final function of cq.rank_sample and cq.rank_rollup: the sample without spare room.';

CREATE AGGREGATE cq.rank_sample(x float8, y float8) (
    SFUNC = cq_internal.rank_sample_transfn,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_sample_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_sample(float8, float8) IS
'The (x, y) pairs of a group as a storable cq.rank_sample (16 bytes per pair), for cq.rank_correlation(sample), cq.auc(sample) (y is the label: 0 negative, any other value positive) and cq.rank_rollup. Rows with a NULL are skipped; NaN is an error; NULL for a group without pairs.';

CREATE AGGREGATE cq.rank_rollup(cq.rank_sample) (
    SFUNC = cq_internal.rank_sample_combine,
    STYPE = cq.rank_sample,
    SSPACE = 65536,
    COMBINEFUNC = cq_internal.rank_sample_combine,
    FINALFUNC = cq_internal.rank_sample_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.rank_rollup(cq.rank_sample) IS
'Merges rank samples (of days, partitions, nodes) into the sample of all their pairs; NULL samples are skipped. The measures of the merged sample equal those of the pairs aggregated at once.';

CREATE FUNCTION cq.rank_correlation(sample cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'rank_correlation_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_correlation(cq.rank_sample) IS
'Spearman rank correlation of the x and y of a stored sample (tied values get the average of their ranks); NULL with fewer than 2 pairs or a constant variable.';

CREATE FUNCTION cq.auc(sample cq.rank_sample) RETURNS float8
AS 'MODULE_PATHNAME', 'auc_finalfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.auc(cq.rank_sample) IS
'ROC AUC of score x for label y (0 negative, any other value positive) of a stored sample, ties counting one half; NULL unless both labels occur.';

CREATE FUNCTION cq.rank_n(sample cq.rank_sample) RETURNS bigint
AS 'MODULE_PATHNAME', 'rank_sample_n'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.rank_n(cq.rank_sample) IS
'Pairs in a stored sample.';

-- The one pass behind cq.rank_events (src/rank_events.c): checks every argument,
-- builds its query from the checked, quoted table and column names, and walks it
-- once, ordered by user and time.  It returns the raw per-event figures with the
-- end of observation used; cq.rank_events derives the statistics in SQL.
CREATE FUNCTION cq_internal.rank_events_scan(
    events regclass,
    horizon interval,
    user_column name,
    time_column name,
    event_column name,
    value_column name,
    revenue_events regclass,
    conversion_event text,
    exclude_events text[],
    min_weekly_volume float8,
    observed_until timestamptz,
    alpha float8)
RETURNS TABLE (
    event_name text,
    occurrences bigint,
    carries boolean,
    users_censored bigint,
    signal cq.event_signal,
    median_lead_time interval,
    first_time timestamptz,
    observed_until timestamptz)
AS 'MODULE_PATHNAME', 'rank_events_scan_1_1'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cq_internal.rank_events_scan(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8) IS
'The scan behind cq.rank_events (same arguments): per event name its rows, whether they carry revenue, censored users, the cq.event_signal of window revenue (with: from the first occurrence; without: from the first event), the median lead time to the first revenue, the earliest event time, and the end of observation used. Reads the tables with the caller''s privileges.';

-- Ranking of every candidate event of an event table by how well it predicts the
-- revenue that follows it: the statistics over the scan, in plain SQL.
CREATE FUNCTION cq.rank_events(
    events regclass,
    horizon interval,
    user_column name DEFAULT 'user_id',
    time_column name DEFAULT 'event_time',
    event_column name DEFAULT 'event_name',
    value_column name DEFAULT 'revenue',
    revenue_events regclass DEFAULT NULL,
    conversion_event text DEFAULT NULL,
    exclude_events text[] DEFAULT '{}',
    min_weekly_volume float8 DEFAULT 50,
    observed_until timestamptz DEFAULT NULL,
    alpha float8 DEFAULT 0.05)
RETURNS TABLE (
    rank integer,
    event_name text,
    users bigint,
    users_with_event bigint,
    users_censored bigint,
    conversion_rate float8,
    baseline_conversion_rate float8,
    lift float8,
    odds_ratio float8,
    odds_ratio_lower float8,
    odds_ratio_upper float8,
    correlation float8,
    p_value float8,
    q_value float8,
    revenue_share float8,
    median_lead_time interval,
    weekly_volume float8,
    is_revenue_event boolean,
    verdict text,
    score float8,
    signal cq.event_signal)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
WITH scan AS (
    -- rows per week over the observed period, at least one week
    SELECT sc.*,
           coalesce(sc.event_name = rank_events.conversion_event, false) OR sc.carries AS is_rev,
           sc.occurrences / greatest(extract(epoch FROM (sc.observed_until - sc.first_time)) / 604800, 1)
               AS weekly
      FROM cq_internal.rank_events_scan(rank_events.events, rank_events.horizon,
                                        rank_events.user_column, rank_events.time_column,
                                        rank_events.event_column, rank_events.value_column,
                                        rank_events.revenue_events, rank_events.conversion_event,
                                        rank_events.exclude_events, rank_events.min_weekly_volume,
                                        rank_events.observed_until, rank_events.alpha) sc
     WHERE NOT coalesce(sc.event_name = ANY (rank_events.exclude_events), false)
), tested AS (
    SELECT sc.*, cq.signal_p_value(sc.signal) AS p, cq.signal_correlation(sc.signal) AS r,
           cq.signal_odds_ratio_ci(sc.signal, 0.95) AS ci
      FROM scan sc
), bh AS (
    -- Benjamini-Hochberg over the events with a p-value (revenue events excluded)
    SELECT b.event_name,
           least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.event_name DESC
                                               ROWS UNBOUNDED PRECEDING)) AS q
      FROM (SELECT tt.event_name, tt.p,
                   count(*) OVER () AS m,
                   row_number() OVER (ORDER BY tt.p, tt.event_name) AS k
              FROM tested tt WHERE tt.p IS NOT NULL AND NOT tt.is_rev) b
), judged AS (
    SELECT t.*, bh.q,
           CASE WHEN t.is_rev THEN 'revenue event'
                WHEN t.p IS NULL THEN 'not enough data'
                WHEN bh.q > rank_events.alpha OR t.r <= 0 THEN 'no signal'
                WHEN t.weekly < rank_events.min_weekly_volume THEN 'too rare'
                ELSE 'ready' END AS verdict,
           CASE WHEN t.is_rev OR t.p IS NULL THEN NULL
                WHEN bh.q > rank_events.alpha THEN 0
                ELSE t.r * least(1, CASE WHEN rank_events.min_weekly_volume > 0
                                         THEN t.weekly / rank_events.min_weekly_volume ELSE 1 END)
           END AS score
      FROM tested t LEFT JOIN bh USING (event_name)
)
SELECT (row_number() OVER (ORDER BY j.score DESC NULLS LAST, j.is_rev, j.event_name))::integer,
       j.event_name,
       cq.signal_n(j.signal), cq.signal_n_event(j.signal), j.users_censored,
       cq.signal_precision(j.signal),
       CASE WHEN cq.signal_n(j.signal) > cq.signal_n_event(j.signal)
            THEN (cq.signal_n_converted(j.signal) - round(cq.signal_precision(j.signal)
                  * cq.signal_n_event(j.signal)))::float8
                 / (cq.signal_n(j.signal) - cq.signal_n_event(j.signal)) END,
       cq.signal_lift(j.signal), cq.signal_odds_ratio(j.signal), j.ci[1], j.ci[2],
       j.r, j.p, j.q, cq.signal_revenue_share(j.signal), j.median_lead_time,
       j.weekly::float8, j.is_rev, j.verdict, j.score, j.signal
  FROM judged j
 ORDER BY 1
$$;

COMMENT ON FUNCTION cq.rank_events(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8) IS
'Ranks every event name of an event table by how well it predicts the revenue within horizon after a user''s first occurrence of it (users without the event: after their first event). Equal windows: users whose window ends after observed_until (default: the latest time in the data) are left out and counted in users_censored; revenue at or before the event does not count. Revenue: the value column of the event table (rows with a non-zero value; those events are flagged is_revenue_event), or only rows of conversion_event, or a separate revenue_events table with the same user, time and value column names. Per event: conversion rate, lift, odds ratio with 95% Woolf interval, point-biserial correlation, p-value, Benjamini-Hochberg q-value, revenue share, median lead time to the first revenue, weekly volume, verdict (ready, too rare, no signal, not enough data, revenue event) and score = correlation * min(1, weekly_volume / min_weekly_volume) when q <= alpha, 0 otherwise; ordered by score. Reads the tables with the caller''s privileges.';
