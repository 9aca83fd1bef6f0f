-- Holding a property constant (README "Hold a property constant"): the funnel evaluated per
-- key (order, cart, session, product), the best key's stage.  New in 1.4; a file of its own so
-- that the install script and the update to 1.4 both take it from here.

CREATE FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, timestamptz, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, text, timestamptz, VARIADIC boolean[])
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'window_funnel_by_key_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'window_funnel_by_key_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cq_internal.window_funnel_by_key_finalfn(internal)
RETURNS integer AS 'MODULE_PATHNAME', 'window_funnel_by_key_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel_by_key: one row, filed under its key.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_transfn(internal, interval, text, text, timestamptz, boolean[]) IS
'Transition of cq.window_funnel_by_key with a mode.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_combine(internal, internal) IS
'Combine function of cq.window_funnel_by_key: the rows of both partial states, keys renumbered.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_serialize(internal) IS
'Serial function of cq.window_funnel_by_key: settings, keys and rows as bytea.';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_deserialize(bytea, internal) IS
'Deserial function of cq.window_funnel_by_key; a malformed state is refused (22P03).';
COMMENT ON FUNCTION cq_internal.window_funnel_by_key_finalfn(internal) IS
'Final function of cq.window_funnel_by_key: the best stage over the keys.';

CREATE AGGREGATE cq.window_funnel_by_key("window" interval, key text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq_internal.window_funnel_by_key_transfn, STYPE = internal,
    FINALFUNC = cq_internal.window_funnel_by_key_finalfn,
    COMBINEFUNC = cq_internal.window_funnel_by_key_combine,
    SERIALFUNC = cq_internal.window_funnel_by_key_serialize,
    DESERIALFUNC = cq_internal.window_funnel_by_key_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE cq.window_funnel_by_key("window" interval, mode text, key text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = cq_internal.window_funnel_by_key_transfn, STYPE = internal,
    FINALFUNC = cq_internal.window_funnel_by_key_finalfn,
    COMBINEFUNC = cq_internal.window_funnel_by_key_combine,
    SERIALFUNC = cq_internal.window_funnel_by_key_serialize,
    DESERIALFUNC = cq_internal.window_funnel_by_key_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE cq.window_funnel_by_key(interval, text, timestamptz, boolean[]) IS
'cq.window_funnel holding a property constant: the funnel is evaluated over the rows of each key (order, cart, session, product id) separately, and the group (user) gets the best key''s stage. Rows with a NULL key belong to no key; rows with a NULL time or step are left out, as in cq.window_funnel. Session funnels are this with the session id.';
COMMENT ON AGGREGATE cq.window_funnel_by_key(interval, text, text, timestamptz, boolean[]) IS
'cq.window_funnel_by_key with a mode (as cq.window_funnel''s).';
