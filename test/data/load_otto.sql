-- Loads the bundled OTTO session sample (CC BY 4.0, see
-- test/data/otto-sessions-sample/SOURCE.md) into table otto_events.
-- ts_ms is the original Unix time in milliseconds; ts the same as timestamptz.
-- Run with psql from the top of the checkout.
CREATE TEMP TABLE otto_raw (session bigint, aid bigint, ts_ms bigint, type text);
\copy otto_raw FROM PROGRAM 'zcat test/data/otto-sessions-sample/otto_train_sample_events.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE otto_events AS
SELECT session, aid, ts_ms,
       timestamptz 'epoch' + ts_ms * interval '1 millisecond' AS ts, type
  FROM otto_raw;
DROP TABLE otto_raw;
ANALYZE otto_events;
