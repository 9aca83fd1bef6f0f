-- The planted log of the README ("The planted example"), shared by sql/rank_events.sql,
-- test/demo.sql and test/check_rank_calibration.py.  Creates table planted(user_id,
-- event_time, event_name, revenue): 40,000 users, each with a visit at acquisition (within
-- 60 days from 2024-01-01); driver 1 hour later for 30 % of them (a purchase 8 times as
-- likely: 24 % against 3 %); noise 2 hours later for 80 % and late_noise 5 days later for
-- 50 %, independent of everything; rare_perfect 3 hours later for 0.3 % (all of them buy
-- big); purchases 1 to 21 days after acquisition.
--
-- psql variables: seed (for setseed, required); shuffled (default false): when true, also
-- shuffled_driver, 1 hour after acquisition for 30 % of users drawn independently of
-- purchases (the driver's label shuffled across users).  Its draws come after every other
-- draw, so the rest of the log is the same with or without it.  Serial plan: the same seed
-- gives the same rows on every server.
\if :{?shuffled}
\else
\set shuffled false
\endif
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed) \gset
CREATE TABLE planted AS
WITH u AS (
  SELECT g AS user_id,
         timestamptz '2024-01-01' + random() * interval '60 days' AS a,
         random() < 0.30 AS driver, random() < 0.80 AS noise, random() < 0.50 AS late_noise,
         random() < 0.003 AS rare, random() AS r_buy, random() AS r_day, random() AS r_amt
    FROM generate_series(1, 40000) g)
SELECT user_id, a AS event_time, 'visit'::text AS event_name, 0::numeric AS revenue FROM u
UNION ALL SELECT user_id, a + interval '1 hour', 'driver', 0 FROM u WHERE driver
UNION ALL SELECT user_id, a + interval '2 hours', 'noise', 0 FROM u WHERE noise
UNION ALL SELECT user_id, a + interval '5 days', 'late_noise', 0 FROM u WHERE late_noise
UNION ALL SELECT user_id, a + interval '3 hours', 'rare_perfect', 0 FROM u WHERE rare
UNION ALL SELECT user_id, a + (1 + 20 * r_day) * interval '1 day', 'purchase',
                 CASE WHEN rare THEN 500 + round(500 * r_amt) ELSE 20 + round(180 * r_amt) END
  FROM u WHERE rare OR r_buy < CASE WHEN driver THEN 0.24 ELSE 0.03 END
UNION ALL SELECT user_id, a + interval '1 hour', 'shuffled_driver', 0 FROM u
  WHERE :shuffled AND random() < 0.30;
RESET max_parallel_workers_per_gather;
