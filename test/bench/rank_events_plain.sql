-- test/bench/rank_events_plain.sql: what cq.rank_events(bench_rank_input, '14 days') computes, in
-- plain SQL, for the benchmarks (bench_signal.sh, summary.sh).  The caller makes a view
-- bench_rank_input(user_id, event_time, event_name, revenue) over its events.
-- The same statistics in plain SQL: the same landmark design (entry = a user's first event,
-- exposure in [entry, entry + 7 days], outcome in (landmark, landmark + 14 days], users whose
-- outcome window ends after the latest time left out), core aggregates (corr, avg,
-- count FILTER, percentile_cont), odds ratio with Woolf interval by hand.  Plain SQL has no t
-- distribution, so it stops at the t statistic (no p-values, no q-values).
WITH ev AS (
    SELECT user_id AS u, event_time AS t, event_name AS name, revenue::float8 AS v
      FROM bench_rank_input
), bounds AS (
    SELECT max(t) AS t_end, min(t) AS t_start FROM ev
), pop AS (
    SELECT u, min(t) AS e, min(t) + interval '7 days' AS l,
           min(t) + interval '7 days' + interval '14 days' AS o
      FROM ev GROUP BY u
), incl AS (
    SELECT p.* FROM pop p CROSS JOIN bounds b WHERE p.o <= b.t_end
), outc AS (
    SELECT i.u,
           coalesce(sum(ev.v) FILTER (WHERE ev.v <> 0 AND ev.t > i.l AND ev.t <= i.o), 0) AS y,
           min(ev.t) FILTER (WHERE ev.v > 0 AND ev.t > i.l AND ev.t <= i.o) AS first_pos
      FROM incl i JOIN ev ON ev.u = i.u GROUP BY i.u
), expo AS (
    SELECT ev.u, ev.name, min(ev.t) AS first_t
      FROM incl i JOIN ev ON ev.u = i.u
     WHERE ev.t >= i.e AND ev.t <= i.l
     GROUP BY ev.u, ev.name
), names AS (
    SELECT name, count(*) AS occurrences, coalesce(bool_or(v <> 0), false) AS carries
      FROM ev GROUP BY name
), cmp AS (
    SELECT n.name, x.u IS NOT NULL AS has, o.y AS v, o.first_pos - x.first_t AS lead
      FROM names n CROSS JOIN outc o
      LEFT JOIN expo x ON x.u = o.u AND x.name = n.name
), agg AS (
    SELECT name,
           count(*) AS users,
           count(*) FILTER (WHERE has) AS with_event,
           count(*) FILTER (WHERE has AND v > 0) AS a,
           count(*) FILTER (WHERE has AND NOT v > 0) AS b,
           count(*) FILTER (WHERE NOT has AND v > 0) AS c,
           count(*) FILTER (WHERE NOT has AND NOT v > 0) AS d,
           avg(v) FILTER (WHERE has) AS mean_with,
           avg(v) AS mean_all,
           sum(v) FILTER (WHERE has) AS sum_with,
           sum(v) AS sum_all,
           corr(has::int, v) AS r,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lead)
               FILTER (WHERE has AND lead IS NOT NULL) AS median_lead
      FROM cmp GROUP BY name
)
SELECT agg.name, users, with_event,
       (SELECT count(*) FROM pop) - (SELECT count(*) FROM incl) AS censored,
       a::float8 / nullif(with_event, 0) AS conversion_rate,
       c::float8 / nullif(users - with_event, 0) AS baseline_conversion_rate,
       mean_with / nullif(mean_all, 0) AS lift,
       (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)) AS odds_ratio,
       exp(ln((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
           - 1.959963984540054 * sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))) AS or_low,
       exp(ln((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
           + 1.959963984540054 * sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))) AS or_high,
       r, r * sqrt((users - 2) / nullif(1 - r * r, 0)) AS t_stat,
       sum_with / nullif(sum_all, 0) AS revenue_share, median_lead,
       n.occurrences / greatest(extract(epoch FROM (bn.t_end - bn.t_start)) / 604800, 1) AS weekly,
       n.carries AS is_revenue_event
  FROM agg JOIN names n USING (name) CROSS JOIN bounds bn
 ORDER BY r DESC NULLS LAST
