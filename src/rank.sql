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
-- once, ordered by user and time.  It returns the raw figures of every event name
-- and threshold with the population's and the end of observation used;
-- cq.rank_events derives the statistics in SQL.
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
    alpha float8,
    entry_events text[],
    within interval,
    thresholds integer[],
    event_id_column name)
RETURNS TABLE (
    event_name text,
    threshold integer,
    occurrences bigint,
    duplicates bigint,
    carries boolean,
    signal cq.event_signal,
    revenue_before_landmark float8,
    median_lead_time interval,
    median_event_latency interval,
    users bigint,
    users_censored bigint,
    users_without_entry bigint,
    rows_skipped bigint,
    first_time timestamptz,
    observed_until timestamptz)
AS 'MODULE_PATHNAME', 'rank_events_scan_1_1'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cq_internal.rank_events_scan(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8, text[], interval, integer[], name) IS
'The scan behind cq.rank_events (same arguments): per event name and threshold its rows up to the end of observation, copies left out, whether they carry revenue, the cq.event_signal of outcome revenue (group 1: included users with the event at least threshold times between entry and landmark; group 0: the other included users), their revenue before the landmark, the median lead and latency times, and the population''s figures. Reads the tables with the caller''s privileges.';

-- Ranking of every candidate event of an event table by how well it predicts the
-- revenue that follows, under a landmark design: the statistics over the scan, in
-- plain SQL.
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
    alpha float8 DEFAULT 0.05,
    entry_events text[] DEFAULT NULL,
    within interval DEFAULT '7 days',
    thresholds integer[] DEFAULT '{1}',
    event_id_column name DEFAULT NULL)
RETURNS TABLE (
    rank integer,
    event_name text,
    threshold integer,
    recommended boolean,
    users bigint,
    users_with_event bigint,
    users_censored bigint,
    users_without_entry bigint,
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
    revenue_before_landmark float8,
    median_lead_time interval,
    median_event_latency interval,
    weekly_volume float8,
    duplicate_rate float8,
    rows_skipped bigint,
    is_revenue_event boolean,
    verdict text,
    advice text,
    score float8,
    signal cq.event_signal)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
WITH scan AS (
    -- rows (copies left out) per week over the observed period, at least one week
    SELECT sc.*,
           coalesce(sc.event_name = rank_events.conversion_event, false) OR sc.carries AS is_rev,
           sc.occurrences / greatest(extract(epoch FROM (sc.observed_until - sc.first_time)) / 604800, 1)
               AS weekly
      FROM cq_internal.rank_events_scan(rank_events.events, rank_events.horizon,
                                        rank_events.user_column, rank_events.time_column,
                                        rank_events.event_column, rank_events.value_column,
                                        rank_events.revenue_events, rank_events.conversion_event,
                                        rank_events.exclude_events, rank_events.min_weekly_volume,
                                        rank_events.observed_until, rank_events.alpha,
                                        rank_events.entry_events, rank_events.within,
                                        rank_events.thresholds, rank_events.event_id_column) sc
     WHERE NOT coalesce(sc.event_name = ANY (rank_events.exclude_events), false)
), tested AS (
    SELECT sc.*, cq.signal_p_value(sc.signal) AS p, cq.signal_correlation(sc.signal) AS r,
           cq.signal_odds_ratio_ci(sc.signal, 0.95) AS ci
      FROM scan sc
), bh AS (
    -- Benjamini-Hochberg over every tested row, each event at each threshold
    -- (revenue events excluded)
    SELECT b.event_name, b.threshold,
           least(1, min(b.p * b.m / b.k) OVER (ORDER BY b.p DESC, b.event_name DESC, b.threshold DESC
                                               ROWS UNBOUNDED PRECEDING)) AS q
      FROM (SELECT tt.event_name, tt.threshold, tt.p,
                   count(*) OVER () AS m,
                   row_number() OVER (ORDER BY tt.p, tt.event_name, tt.threshold) AS k
              FROM tested tt WHERE tt.p IS NOT NULL AND NOT tt.is_rev) b
), judged AS (
    SELECT t.*, bh.q,
           CASE WHEN t.is_rev THEN 'revenue event'
                WHEN t.p IS NULL THEN 'not enough data'
                WHEN bh.q > rank_events.alpha OR t.r <= 0 THEN 'no signal'
                WHEN t.median_event_latency > rank_events.within THEN 'too late'
                WHEN t.weekly < rank_events.min_weekly_volume THEN 'too rare'
                ELSE 'ready' END AS verdict,
           CASE WHEN t.is_rev OR t.p IS NULL THEN NULL
                WHEN bh.q > rank_events.alpha OR t.r <= 0 THEN 0
                ELSE t.r * least(1, CASE WHEN rank_events.min_weekly_volume > 0
                                         THEN t.weekly / rank_events.min_weekly_volume ELSE 1 END)
           END AS score
      FROM tested t LEFT JOIN bh USING (event_name, threshold)
), placed AS (
    -- recommended first, then ready by score, too rare, too late, no signal,
    -- not enough data, revenue events
    SELECT j.*,
           CASE j.verdict WHEN 'ready' THEN 1 WHEN 'too rare' THEN 2 WHEN 'too late' THEN 3
                          WHEN 'no signal' THEN 4 WHEN 'not enough data' THEN 5 ELSE 6 END AS tier
      FROM judged j
), ranked AS (
    SELECT pl.*,
           row_number() OVER (ORDER BY pl.tier, pl.score DESC NULLS LAST, pl.event_name,
                                       pl.threshold)::integer AS pos
      FROM placed pl
)
SELECT x.pos, x.event_name, x.threshold,
       x.pos = 1 AND x.verdict = 'ready',
       cq.signal_n(x.signal), cq.signal_n_event(x.signal), x.users_censored, x.users_without_entry,
       cq.signal_precision(x.signal),
       CASE WHEN cq.signal_n(x.signal) > cq.signal_n_event(x.signal)
            THEN (cq.signal_n_converted(x.signal) - coalesce(round(cq.signal_precision(x.signal)
                  * cq.signal_n_event(x.signal)), 0))::float8
                 / (cq.signal_n(x.signal) - cq.signal_n_event(x.signal)) END,
       cq.signal_lift(x.signal), cq.signal_odds_ratio(x.signal), x.ci[1], x.ci[2],
       x.r, x.p, x.q, cq.signal_revenue_share(x.signal), x.revenue_before_landmark,
       x.median_lead_time, x.median_event_latency,
       x.weekly::float8,
       CASE WHEN rank_events.event_id_column IS NOT NULL AND x.occurrences + x.duplicates > 0
            THEN x.duplicates::float8 / (x.occurrences + x.duplicates) END,
       x.rows_skipped, x.is_rev, x.verdict,
       CASE WHEN x.pos = 1 AND x.verdict = 'ready'
                 THEN 'recommended: the strongest predictor of revenue that a platform can learn from'
            WHEN x.verdict = 'ready' THEN 'predicts revenue, often enough to optimize on'
            WHEN x.verdict = 'too rare'
                 THEN format('a good audience signal, not an optimization event: %s a week, below the %s a platform needs to learn',
                             round(x.weekly::numeric, 1), rank_events.min_weekly_volume)
            WHEN x.verdict = 'too late'
                 THEN format('predicts revenue, but usually fires %s after entry, past the %s attribution window: it cannot steer bidding',
                             CASE WHEN x.median_event_latency >= interval '1 day'
                                  THEN round(extract(epoch FROM x.median_event_latency) / 86400, 1) || ' days'
                                  ELSE round(extract(epoch FROM x.median_event_latency) / 3600, 1) || ' hours' END,
                             rank_events.within)
            WHEN x.verdict = 'no signal' THEN 'no evidence that it predicts revenue'
            WHEN x.verdict = 'not enough data'
                 THEN 'nothing to compare: every user or no user has it, or no user had revenue'
            ELSE 'the revenue itself' END,
       x.score, x.signal
  FROM ranked x
 ORDER BY x.pos
$$;

COMMENT ON FUNCTION cq.rank_events(regclass, interval, name, name, name, name, regclass, text, text[], float8, timestamptz, float8, text[], interval, integer[], name) IS
'Ranks every event name of an event table by how well it predicts revenue, under a landmark design: each user''s entry is their first event (or first of entry_events); exposure = the event at least threshold times in [entry, entry + within]; outcome = revenue in (entry + within, entry + within + horizon]; users whose outcome window ends after observed_until (default: the latest finite time in the data) are left out and counted in users_censored, a rule that depends on no event. One row per event and threshold: conversion rate, lift, odds ratio with 95% Woolf interval, point-biserial correlation, p-value, Benjamini-Hochberg q-value over every tested row, revenue share, revenue before the landmark (excluded from the outcome), median lead time to the first revenue and median latency from entry to the event, weekly volume (copies within 48 hours of the same event and id left out when event_id_column is given, with the duplicate rate), verdict (ready, too rare, too late, no signal, not enough data, revenue event), advice, score = correlation * min(1, weekly_volume / min_weekly_volume) when q <= alpha and the correlation is positive (else 0), and recommended: true on at most one row, the best ready event. Rows that cannot be used (infinite times, non-finite revenue) are skipped and counted. Reads the tables with the caller''s privileges.';
