/* src/update--1.1--1.2.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.2'; the
   Makefile appends src/diagnostics_scan.sql, src/attribution.sql, src/breakdown.sql,
   src/readiness.sql and src/spend.sql (new in 1.2) and src/refresh.sql (replaced in 1.2) to
   make conversion_quality--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.2'" to load this file. \quit

-- What changes (README, "Upgrading"): cq.refresh computes cq.tracking_health and
-- the volumes of cq.event_quality in one C scan (cq_internal.tracking_scan, new)
-- instead of SQL over a temporary copy of the source; cq_internal.refresh_source is
-- replaced.  No object a user can depend on changes; report rows stay as they are
-- until the next cq.refresh.  New: cq.attribute, cq.breakdown,
-- cq.spend_report and cq.adset_readiness (README, "Attribution", "Breakdowns", "Spend",
-- "Readiness per ad set").
