-- cq.event_signal: behaviour on small hand-checked data, NULL handling, empty input, errors.
-- The figures are checked against scipy / sklearn in test/check_signal_scipy.py; here the
-- hand-computable ones are pinned.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
\pset null '(null)'
CREATE TABLE sig_small (user_id int, has_event boolean, revenue float8);
INSERT INTO sig_small VALUES
  (1, true, 30), (2, true, 0), (3, true, 10), (4, false, 0),
  (5, false, 5), (6, false, 0), (7, false, 0), (8, NULL, 99), (9, true, NULL);

-- 7 usable rows (NULL rows skipped): with the event 30, 0, 10; without 0, 5, 0, 0
SELECT cq.event_signal(has_event, revenue) FROM sig_small;
SELECT cq.signal_n(s), cq.signal_n_event(s), cq.signal_n_converted(s),
       cq.signal_mean(s, true) AS mean_with, cq.signal_mean(s, false) AS mean_without,
       cq.signal_lift(s) AS lift,                   -- (40/3) / (45/7) = 56/27
       round(cq.signal_odds_ratio(s)::numeric, 12) AS odds_ratio,  -- (2.5*3.5)/(1.5*1.5)
       cq.signal_precision(s) AS "precision",       -- 2/3
       cq.signal_recall(s) AS recall,               -- 2/3
       round(cq.signal_revenue_share(s)::numeric, 12) AS share  -- 40/45
  FROM (SELECT cq.event_signal(has_event, revenue) s FROM sig_small) q;

-- agrees with core corr() on the same 0/1 coding
SELECT round(cq.signal_correlation(s)::numeric, 12) AS r,
       round(c::numeric, 12) AS core_corr,
       round(cq.signal_p_value(s)::numeric, 12) AS p
  FROM (SELECT cq.event_signal(has_event, revenue) s,
               corr(has_event::int, revenue) c
          FROM sig_small WHERE has_event IS NOT NULL AND revenue IS NOT NULL) q;

SELECT round(x::numeric, 12) FROM unnest(
  (SELECT cq.signal_odds_ratio_ci(cq.event_signal(has_event, revenue)) FROM sig_small)) x;
SELECT round(x::numeric, 12) FROM unnest(
  (SELECT cq.signal_odds_ratio_ci(cq.event_signal(has_event, revenue), 0.5) FROM sig_small)) x;

-- the report: one record with every figure
SELECT n, n_event, round(correlation::numeric, 9) AS r, round(lift::numeric, 9) AS lift,
       round(odds_ratio_lower::numeric, 9) AS or_lower, round(log_t::numeric, 9) AS log_t,
       round(log_df::numeric, 9) AS log_df, round(log_p_value::numeric, 9) AS log_p
  FROM (SELECT cq.event_signal(has_event, revenue) s FROM sig_small) q,
       cq.signal_report(q.s);

-- no rows: an empty summary, counts 0, every measure NULL
SELECT s, r.* FROM (SELECT cq.event_signal(has_event, revenue) s FROM sig_small WHERE false) q,
       cq.signal_report(q.s) r;
-- one group only, or a constant value: NULL where undefined
SELECT cq.signal_correlation(s), cq.signal_odds_ratio(s), cq.signal_log_t(s),
       cq.signal_precision(s), cq.signal_recall(s)
  FROM (SELECT cq.event_signal(true, v) s FROM (VALUES (1.0::float8), (2.0)) t(v)) q;
SELECT cq.signal_correlation(s), cq.signal_p_value(s), cq.signal_revenue_share(s), cq.signal_lift(s)
  FROM (SELECT cq.event_signal(h, 0) s FROM (VALUES (true), (false)) t(h)) q;
-- refunds: negative values are kept; slog1p mirrors log1p
SELECT cq.signal_revenue_share(s), round(cq.signal_log_t(s)::numeric, 9)
  FROM (SELECT cq.event_signal(h, v) s
          FROM (VALUES (true, 10::float8), (true, -4), (false, 3), (false, -1), (false, 0)) t(h, v)) q;

-- per group, then rolled up: the same summary as all rows at once (counts exactly, moments
-- up to the rounding of a different summation order)
SELECT cq.signal_n(a) = cq.signal_n(b) AND cq.signal_n_converted(a) = cq.signal_n_converted(b)
       AS counts_equal,
       abs(cq.signal_correlation(a) - cq.signal_correlation(b)) < 1e-14 AS r_equal,
       abs(cq.signal_log_t(a) - cq.signal_log_t(b)) < 1e-14 AS t_equal
  FROM (SELECT cq.signal_rollup(s) FROM
          (SELECT cq.event_signal(has_event, revenue) s FROM sig_small GROUP BY user_id % 3) g) x(a),
       (SELECT cq.event_signal(has_event, revenue) FROM sig_small) y(b);
-- rollup skips NULL summaries; rollup of nothing is the empty summary
SELECT cq.signal_n(cq.signal_rollup(s)) FROM (VALUES (NULL::cq.event_signal),
  ('v1:1,0,0,0,0,0;0,0,0,0,0,0')) t(s);
SELECT cq.signal_rollup(s) FROM (VALUES (NULL::cq.event_signal)) t(s) WHERE false;
-- the support functions work outside an aggregate, without changing their arguments
SELECT cq_internal.event_signal_transfn('v1:0,0,0,0,0,0;0,0,0,0,0,0', true, 2.5);
SELECT cq_internal.event_signal_combine('v1:1,1,2,0,1,0;0,0,0,0,0,0', 'v1:0,0,0,0,0,0;1,0,-1,0,-1,0');
SELECT cq_internal.event_signal_combine(NULL, 'v1:1,1,2,0,1,0;0,0,0,0,0,0');

-- errors
SELECT cq.event_signal(true, 'NaN') ;
SELECT cq.event_signal(true, v) FROM (VALUES ('Infinity'::float8)) t(v);
SELECT cq.event_signal(true, v) FROM (VALUES (1e300::float8), (-1e300)) t(v);
SELECT cq.signal_odds_ratio_ci(cq.event_signal(has_event, revenue), 1) FROM sig_small;
SELECT cq.signal_odds_ratio_ci(cq.event_signal(has_event, revenue), NULL) FROM sig_small;
