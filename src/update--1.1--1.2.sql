/* src/update--1.1--1.2.sql: the steps of ALTER EXTENSION conversion_quality UPDATE TO '1.2'; the
   Makefile appends src/diagnostics_scan.sql, src/attribution.sql, src/breakdown.sql,
   src/readiness.sql, src/spend.sql, src/campaign.sql (new in 1.2), src/register.sql and
   src/refresh.sql (replaced in 1.2) to make conversion_quality--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION conversion_quality UPDATE TO '1.2'" to load this file. \quit

-- What changes (README, "Upgrading"): cq.refresh computes cq.tracking_health and
-- the volumes of cq.event_quality in one C scan (cq_internal.tracking_scan, new)
-- instead of SQL over a temporary copy of the source; cq_internal.refresh_source is
-- replaced.  No object a user can depend on changes; report rows stay as they are
-- until the next cq.refresh.  New: cq.attribute, cq.breakdown,
-- cq.spend_report and cq.adset_readiness (README, "Attribution", "Breakdowns", "Spend",
-- "Readiness per ad set"), and the report cq.campaign_quality, for which a source
-- registers dimension columns: cq.event_sources gains dimension_columns (NULL for the
-- sources registered before), and cq.register_source gains a last argument
-- dimension_columns (calls without it keep working); it is dropped here and created again
-- from src/register.sql.

ALTER TABLE cq.event_sources
    ADD COLUMN dimension_columns name[] CHECK (array_position(dimension_columns, NULL) IS NULL);
DROP FUNCTION cq.register_source(text, regclass, name, name, name, name, name, name, text[], name,
                                 interval, interval, jsonb);

-- 1.1 described the p-value of cq.event_quality as Welch's; it is the correlation's t-test
-- (cq.signal_p_value), which is Student's pooled two-sample t-test.
COMMENT ON COLUMN cq.event_quality.p_value IS 'Two-sided p-value of the correlation (the t-test of cq.signal_p_value, as scipy.stats.pearsonr; the same as Student''s pooled two-sample t-test of the difference in mean revenue).';
