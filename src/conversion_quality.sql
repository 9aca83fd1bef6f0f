-- conversion_quality--1.1.sql, built by the Makefile from the SQL sources in
-- src/ (src/conversion_quality.sql first, then one file per capability).  Edit
-- those files, never the built script; released scripts such as
-- conversion_quality--1.0.sql never change.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION conversion_quality" to load this file. \quit

-- What analysts call lives in schema cq, created here so that DROP EXTENSION
-- removes it too.
CREATE SCHEMA cq;
COMMENT ON SCHEMA cq IS
'conversion_quality: event dedup keys, funnel progression and event-to-revenue signal quality';
-- Analysts use the functions without further grants; every function runs with
-- the caller's privileges, so this gives no access to anyone's data.  A DBA may
-- REVOKE it and grant USAGE to chosen roles instead.
GRANT USAGE ON SCHEMA cq TO PUBLIC;

-- Support functions (transition, final and combine functions, type I/O, the
-- scan behind cq.rank_events) live out of the analyst's way, in schema
-- cq_internal, usable as before: the aggregates and views that call them run
-- with the caller's privileges.
CREATE SCHEMA cq_internal;
COMMENT ON SCHEMA cq_internal IS
'conversion_quality: support functions of the objects in schema cq (aggregate support, type I/O, scans); not meant to be called directly';
GRANT USAGE ON SCHEMA cq_internal TO PUBLIC;
