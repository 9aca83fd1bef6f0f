-- Conversion with windows still open (README "Conversion with windows still open"): the
-- Kaplan-Meier estimate of converting by time t since entry, with a Greenwood 95 % band and
-- the naive rate beside it.  New in 1.4; a file of its own so that the install script and
-- the update to 1.4 both take it from here.

CREATE TYPE cq.conversion_point AS (
    step integer,
    time_to_convert interval,
    at_risk bigint,
    converted bigint,
    conversion double precision,
    conversion_lower double precision,
    conversion_upper double precision,
    naive_conversion double precision
);

COMMENT ON TYPE cq.conversion_point IS
'One point of a conversion curve: at time_to_convert since entry (a duration at which someone converted), the users still at risk (entered, not converted earlier, observed that long), those who converted then, the Kaplan-Meier probability of having converted by then with its 95 % band (Greenwood variance, log(-log) transform), and the naive rate (conversions so far over all entrants, as if no window were still open). step: the funnel step of cq.funnel_conversion_curve, NULL for cq.conversion_curve.';

CREATE FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_conversion_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'conversion_curve_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'conversion_curve_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.conversion_curve_finalfn(internal)
RETURNS cq.conversion_point[] AS 'MODULE_PATHNAME', 'conversion_curve_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz) IS
'Transition of cq.conversion_curve: one user''s entry, conversion (NULL: none) and end of observation.';
COMMENT ON FUNCTION cq_internal.conversion_curve_transfn(internal, timestamptz, timestamptz, timestamptz, interval, interval) IS
'Transition of cq.conversion_curve with a horizon and a resolution.';
COMMENT ON FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz) IS
'Transition of cq.funnel_conversion_curve: one user''s funnel state read as cq.funnel_step_times.';
COMMENT ON FUNCTION cq_internal.funnel_conversion_curve_transfn(internal, cq.funnel_state, interval, timestamptz, interval) IS
'Transition of cq.funnel_conversion_curve with a resolution.';
COMMENT ON FUNCTION cq_internal.conversion_curve_combine(internal, internal) IS
'Combine function of the conversion curves: the users of both partial states.';
COMMENT ON FUNCTION cq_internal.conversion_curve_serialize(internal) IS
'Serial function of the conversion curves: settings and per-curve duration codes as bytea.';
COMMENT ON FUNCTION cq_internal.conversion_curve_deserialize(bytea, internal) IS
'Deserial function of the conversion curves; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.conversion_curve_finalfn(internal) IS
'Final function of the conversion curves: the Kaplan-Meier points of each curve.';

CREATE AGGREGATE cq.conversion_curve(entered timestamptz, converted timestamptz, observed_until timestamptz) (
    SFUNC = cq_internal.conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.conversion_curve(entered timestamptz, converted timestamptz, observed_until timestamptz,
                                     horizon interval, resolution interval) (
    SFUNC = cq_internal.conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_conversion_curve(state cq.funnel_state, "window" interval, observed_until timestamptz) (
    SFUNC = cq_internal.funnel_conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.funnel_conversion_curve(state cq.funnel_state, "window" interval, observed_until timestamptz,
                                            resolution interval) (
    SFUNC = cq_internal.funnel_conversion_curve_transfn, STYPE = internal,
    FINALFUNC = cq_internal.conversion_curve_finalfn,
    COMBINEFUNC = cq_internal.conversion_curve_combine,
    SERIALFUNC = cq_internal.conversion_curve_serialize,
    DESERIALFUNC = cq_internal.conversion_curve_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.conversion_curve(timestamptz, timestamptz, timestamptz) IS
'Conversion with windows still open: the Kaplan-Meier probability of converting by each time since entry, one row per user (entry; conversion or NULL; the end of the data, or of that user''s observation). A user not converted by observed_until is censored there, so recent entrants count for as long as they were seen instead of as non-converters. A 95 % band (Greenwood) and the naive rate beside each point. unnest() it for one row per point.';
COMMENT ON AGGREGATE cq.conversion_curve(timestamptz, timestamptz, timestamptz, interval, interval) IS
'cq.conversion_curve with a horizon (durations past it are censored at it; NULL: none) and a resolution (conversions rounded up, observation rounded down to multiples of it; NULL: exact).';
COMMENT ON AGGREGATE cq.funnel_conversion_curve(cq.funnel_state, interval, timestamptz) IS
'Conversion with windows still open over funnel states: for each step 2 .. n, the Kaplan-Meier probability of reaching it by each time since step 1, from the chain cq.funnel_step_times reports for the window; users are censored at the earlier of the window''s end and observed_until. unnest() it for one row per step and point.';
COMMENT ON AGGREGATE cq.funnel_conversion_curve(cq.funnel_state, interval, timestamptz, interval) IS
'cq.funnel_conversion_curve with a resolution (conversions rounded up, observation rounded down to multiples of it).';
