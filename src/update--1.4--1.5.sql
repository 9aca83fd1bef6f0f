/* src/update--1.4--1.5.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.5'; the
   Makefile appends src/refresh.sql (CREATE OR REPLACE of cq_internal.refresh_source) to make
   conversion_quality--1.4--1.5.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.5'" to load this file. \quit

-- What changes (README, "Upgrading"): cq.refresh works on a Citus coordinator over a
-- distributed source with dimension columns (1.4 dropped its temporary view by the alias
-- pg_temp, which Citus's handling of DROP VIEW cannot resolve: the refresh failed with
-- 'schema "pg_temp" does not exist'), and for a source registered with an empty list of
-- dimension columns ('{}': the refresh dropped a view it had not made).  No object is
-- added or removed; stored report rows and daily states are kept.
