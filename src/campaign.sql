-- The campaign report (README, "Breakdowns"): cq.breakdown of every registered source by
-- each of its dimension columns, written by cq.refresh, read through the view
-- cq.campaign_quality.  New in 1.2; the same row-level security as the other reports
-- (src/report.sql): a role sees the rows of the sources whose relation it may read.
CREATE TABLE cq_internal.campaign_quality_data (
    source text NOT NULL REFERENCES cq.event_sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    dimension text NOT NULL,
    bucket text,
    bucket_rule text NOT NULL,
    users bigint NOT NULL,
    small boolean NOT NULL,
    converters bigint NOT NULL,
    conversion_rate double precision,
    rest_conversion_rate double precision,
    conversion_p_value double precision,
    conversion_q_value double precision,
    conversion_mdd double precision,
    revenue_per_user double precision,
    rest_revenue_per_user double precision,
    revenue_p_value double precision,
    revenue_q_value double precision,
    revenue_mdd double precision,
    refreshed_at timestamptz NOT NULL
);
CREATE INDEX campaign_quality_data_source_idx ON cq_internal.campaign_quality_data (source, dimension);

COMMENT ON TABLE cq_internal.campaign_quality_data IS
'Rows of cq.campaign_quality, written by cq.refresh.';

SELECT pg_catalog.pg_extension_config_dump('cq_internal.campaign_quality_data', '');

ALTER TABLE cq_internal.campaign_quality_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON cq_internal.campaign_quality_data FOR SELECT
    USING (cq_internal.may_read_source(source));
CREATE POLICY owners ON cq_internal.campaign_quality_data FOR ALL
    USING (cq_internal.may_manage_source(source)) WITH CHECK (cq_internal.may_manage_source(source));
GRANT SELECT, INSERT, UPDATE, DELETE ON cq_internal.campaign_quality_data TO PUBLIC;

CREATE VIEW cq.campaign_quality WITH (security_invoker = true) AS
SELECT source, dimension, bucket, bucket_rule, users, small, converters, conversion_rate,
       rest_conversion_rate, conversion_p_value, conversion_q_value, conversion_mdd,
       revenue_per_user, rest_revenue_per_user, revenue_p_value, revenue_q_value, revenue_mdd,
       refreshed_at
  FROM cq_internal.campaign_quality_data
 WHERE cq_internal.may_read_source(source);

GRANT SELECT ON cq.campaign_quality TO PUBLIC;

COMMENT ON VIEW cq.campaign_quality IS
'Per registered source with a value column, dimension column (cq.register_source dimension_columns) and value of it: cq.breakdown with the entry rule (one bucket per user: the value at their first row with one), conversion = revenue above zero within the source''s horizon, each bucket against the rest. Written by cq.refresh; a role sees the rows of the sources whose relation it may read.';
COMMENT ON COLUMN cq.campaign_quality.source IS 'Registered source.';
COMMENT ON COLUMN cq.campaign_quality.dimension IS 'Dimension column of the source.';
COMMENT ON COLUMN cq.campaign_quality.bucket IS 'Value of the dimension; NULL for the users without one.';
COMMENT ON COLUMN cq.campaign_quality.bucket_rule IS 'The rule that put users in buckets (entry).';
COMMENT ON COLUMN cq.campaign_quality.users IS 'Users in the bucket.';
COMMENT ON COLUMN cq.campaign_quality.small IS 'Fewer than 100 users: read the figures with care (tested like the others).';
COMMENT ON COLUMN cq.campaign_quality.converters IS 'Users with revenue above zero within the horizon after their assignment.';
COMMENT ON COLUMN cq.campaign_quality.conversion_rate IS 'converters / users.';
COMMENT ON COLUMN cq.campaign_quality.rest_conversion_rate IS 'The same for the users of the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.conversion_p_value IS 'Two-sided p-value of the difference in conversion rate, bucket against the rest (pooled two-sample t-test).';
COMMENT ON COLUMN cq.campaign_quality.conversion_q_value IS 'Benjamini-Hochberg q-value across the buckets of the dimension.';
COMMENT ON COLUMN cq.campaign_quality.conversion_mdd IS 'Minimum detectable difference in conversion rate at 5 % and 80 % power for the bucket''s size.';
COMMENT ON COLUMN cq.campaign_quality.revenue_per_user IS 'Revenue within the horizon per user of the bucket.';
COMMENT ON COLUMN cq.campaign_quality.rest_revenue_per_user IS 'The same for the other buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_p_value IS 'Two-sided p-value of the difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.revenue_q_value IS 'Benjamini-Hochberg q-value across the buckets.';
COMMENT ON COLUMN cq.campaign_quality.revenue_mdd IS 'Minimum detectable difference in revenue per user.';
COMMENT ON COLUMN cq.campaign_quality.refreshed_at IS 'Start of the transaction of the cq.refresh that wrote the row.';
