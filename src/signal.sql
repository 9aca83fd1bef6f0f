------------------------------------------------------------------------------
-- Signal quality (src/signal.h)
------------------------------------------------------------------------------
------------------------------------------------------------------------------

-- The summary type: fixed length, versioned text and binary forms.
CREATE TYPE cq.event_signal;

CREATE FUNCTION cq_internal.event_signal_in(cstring) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_out(cq.event_signal) RETURNS cstring
AS 'MODULE_PATHNAME', 'event_signal_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_recv(internal) RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.event_signal_send(cq.event_signal) RETURNS bytea
AS 'MODULE_PATHNAME', 'event_signal_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cq.event_signal (
    INTERNALLENGTH = 96,
    INPUT = cq_internal.event_signal_in,
    OUTPUT = cq_internal.event_signal_out,
    RECEIVE = cq_internal.event_signal_recv,
    SEND = cq_internal.event_signal_send,
    ALIGNMENT = double,
    STORAGE = plain);

COMMENT ON TYPE cq.event_signal IS
'Mergeable summary of an event (boolean) against a value (revenue): per group (without, with the event) the row count, rows with value > 0, and Youngs-Cramer moments of value and of sign(value)*log1p(|value|). Text form v1:n,pos,sx,sxx,lsx,lsxx;n,pos,sx,sxx,lsx,lsxx (without, then with), floats in shortest exact form.';
COMMENT ON FUNCTION cq_internal.event_signal_in(cstring) IS 'Text input of cq.event_signal (format v1, every invariant checked).';
COMMENT ON FUNCTION cq_internal.event_signal_out(cq.event_signal) IS 'Text output of cq.event_signal (format v1, floats round-trip bit-exactly).';
COMMENT ON FUNCTION cq_internal.event_signal_recv(internal) IS 'Binary input of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';
COMMENT ON FUNCTION cq_internal.event_signal_send(cq.event_signal) IS 'Binary output of cq.event_signal (version byte 1, per group 2 int8 and 4 float8).';

CREATE FUNCTION cq_internal.event_signal_transfn(cq.event_signal, boolean, float8)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_transfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.event_signal_transfn(cq.event_signal, boolean, float8) IS
'Transition function of cq.event_signal: adds one row (skipped when either argument is NULL; a non-finite value is an error).';

CREATE FUNCTION cq_internal.event_signal_combine(cq.event_signal, cq.event_signal)
RETURNS cq.event_signal
AS 'MODULE_PATHNAME', 'event_signal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cq_internal.event_signal_combine(cq.event_signal, cq.event_signal) IS
'Merges two cq.event_signal summaries (NULL sides are skipped): the combine function of cq.event_signal and cq.signal_rollup, exact like serial aggregation.';

CREATE AGGREGATE cq.event_signal(has_event boolean, value float8) (
    SFUNC = cq_internal.event_signal_transfn,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq_internal.event_signal_combine,
    INITCOND = 'v1:0,0,0,0,0,0;0,0,0,0,0,0',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.event_signal(boolean, float8) IS
'Summary of has_event against value (usually revenue per user) as cq.event_signal; rows with a NULL argument are skipped; no rows give an empty summary whose accessors are NULL (counts 0). Read it with cq.signal_* accessors, merge summaries with cq.signal_rollup.';

CREATE AGGREGATE cq.signal_rollup(cq.event_signal) (
    SFUNC = cq_internal.event_signal_combine,
    STYPE = cq.event_signal,
    COMBINEFUNC = cq_internal.event_signal_combine,
    INITCOND = 'v1:0,0,0,0,0,0;0,0,0,0,0,0',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cq.signal_rollup(cq.event_signal) IS
'Merges cq.event_signal summaries (per day, partition or node) into one, exactly as if the rows had been aggregated together; NULL summaries are skipped.';

CREATE FUNCTION cq.signal_n(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n(cq.event_signal) IS 'Rows summarized.';

CREATE FUNCTION cq.signal_n_event(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n_event' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n_event(cq.event_signal) IS 'Rows with the event.';

CREATE FUNCTION cq.signal_n_converted(s cq.event_signal) RETURNS bigint
AS 'MODULE_PATHNAME', 'signal_n_converted' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_n_converted(cq.event_signal) IS 'Rows that converted (value > 0).';

CREATE FUNCTION cq.signal_mean(s cq.event_signal, has_event boolean) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_mean(cq.event_signal, boolean) IS
'Mean value of the rows with (true) or without (false) the event; NULL for an empty group.';

CREATE FUNCTION cq.signal_correlation(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_correlation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_correlation(cq.event_signal) IS
'Pearson correlation of has_event (0/1) with value (point-biserial r); NULL when either group is empty or the value is constant.';

CREATE FUNCTION cq.signal_p_value(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_p_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_p_value(cq.event_signal) IS
'Two-sided p-value of the correlation (t-test with n - 2 degrees of freedom, as scipy.stats.pearsonr); NULL when the correlation is NULL or n < 3.';

CREATE FUNCTION cq.signal_lift(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_lift' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_lift(cq.event_signal) IS
'Mean value of rows with the event divided by the mean value of all rows; NULL when no row has the event or the overall mean is 0.';

CREATE FUNCTION cq.signal_odds_ratio(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_odds_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_odds_ratio(cq.event_signal) IS
'Odds of conversion (value > 0) with the event divided by the odds without, 0.5 added to each of the four cells; NULL when either group is empty.';

CREATE FUNCTION cq.signal_odds_ratio_ci(s cq.event_signal, level float8 DEFAULT 0.95)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'signal_odds_ratio_ci' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_odds_ratio_ci(cq.event_signal, float8) IS
'Woolf (log) confidence interval {lower, upper} of cq.signal_odds_ratio on the same smoothed table: exp(ln OR -/+ z*sqrt(1/a+1/b+1/c+1/d)); level strictly between 0 and 1.';

CREATE FUNCTION cq.signal_precision(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_precision' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_precision(cq.event_signal) IS
'P(value > 0 | event): the conversion rate of rows with the event; NULL when none has it.';

CREATE FUNCTION cq.signal_recall(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_recall' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_recall(cq.event_signal) IS
'P(event | value > 0): the share of converting rows that have the event; NULL when none converted.';

CREATE FUNCTION cq.signal_revenue_share(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_revenue_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_revenue_share(cq.event_signal) IS
'Share of the total value carried by rows with the event; NULL when the total is 0; with refunds (negative values) it can leave [0, 1].';

CREATE FUNCTION cq.signal_log_t(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_t' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_t(cq.event_signal) IS
'Welch t statistic of sign(value)*log1p(|value|) (log1p for non-negative revenue), rows with the event minus rows without; NULL when a group has fewer than 2 rows or both variances are 0.';

CREATE FUNCTION cq.signal_log_df(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_df' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_df(cq.event_signal) IS
'Welch-Satterthwaite degrees of freedom of cq.signal_log_t.';

CREATE FUNCTION cq.signal_log_p_value(s cq.event_signal) RETURNS float8
AS 'MODULE_PATHNAME', 'signal_log_p_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cq.signal_log_p_value(cq.event_signal) IS
'Two-sided p-value of cq.signal_log_t (as scipy.stats.ttest_ind(equal_var=False) on the transformed values).';

CREATE FUNCTION cq.signal_report(
    s cq.event_signal,
    OUT n bigint, OUT n_event bigint, OUT n_converted bigint,
    OUT mean_with float8, OUT mean_without float8,
    OUT correlation float8, OUT p_value float8, OUT lift float8,
    OUT odds_ratio float8, OUT odds_ratio_lower float8, OUT odds_ratio_upper float8,
    OUT "precision" float8, OUT recall float8, OUT revenue_share float8,
    OUT log_t float8, OUT log_df float8, OUT log_p_value float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT cq.signal_n(s), cq.signal_n_event(s), cq.signal_n_converted(s),
       cq.signal_mean(s, true), cq.signal_mean(s, false),
       cq.signal_correlation(s), cq.signal_p_value(s), cq.signal_lift(s),
       cq.signal_odds_ratio(s), ci[1], ci[2],
       cq.signal_precision(s), cq.signal_recall(s), cq.signal_revenue_share(s),
       cq.signal_log_t(s), cq.signal_log_df(s), cq.signal_log_p_value(s)
  FROM (SELECT cq.signal_odds_ratio_ci(s, 0.95) AS ci) c
$$;
COMMENT ON FUNCTION cq.signal_report(cq.event_signal) IS
'Every accessor of a cq.event_signal as one record (odds ratio interval at 95%), for BI tools: SELECT (cq.signal_report(s)).* ...';

