/* src/update--1.3--1.4.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.4'; the
   Makefile appends src/funnel_survival.sql, src/funnel_key.sql, src/funnel_paths.sql,
   src/funnel_flex.sql and src/sequence.sql (new in 1.4) to make
   conversion_quality--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.4'" to load this file. \quit

-- What changes (README, "Upgrading"): nothing that exists changes.  New: the conversion
-- curves with windows still open (Kaplan-Meier): the aggregates cq.conversion_curve and
-- cq.funnel_conversion_curve and their row type cq.conversion_point, README "Conversion
-- with windows still open"; the aggregate cq.window_funnel_by_key, README "Hold a property
-- constant"; the aggregate cq.funnel_next_events, README "Paths around a step"; the accessor
-- cq.funnel_stage_flexible, README "Optional steps and minimum gaps"; the sequence
-- patterns cq.sequence_match, cq.sequence_count and
-- cq.sequence_match_events (accessors and aggregates), README "Sequence patterns".
