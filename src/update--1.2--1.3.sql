/* src/update--1.2--1.3.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.3'; the
   Makefile appends src/funnel_rollup.sql, src/funnel_count.sql, src/funnel_revenue.sql and
   src/daily.sql (new in 1.3) to make
   conversion_quality--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.3'" to load this file. \quit

-- What changes (README, "Upgrading"): nothing that exists changes.  New: the stored
-- funnel report states (cq.funnel_report_state, cq.funnel_report_rollup), the funnel
-- accessors cq.funnel_any_order and cq.funnel_completions, the aggregate
-- cq.funnel_revenue (and its type cq.funnel_revenue_step), and the daily
-- states of a source with their incremental refresh (cq.enable_daily_states,
-- cq.disable_daily_states, cq.refresh_daily, the views cq.cohort_days, cq.cohort_quality,
-- cq.cohort_events, cq.cohort_funnels, cq.cohort_attribution), README "Daily states and
-- incremental refresh".
