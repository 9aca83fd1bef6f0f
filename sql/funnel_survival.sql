-- Conversion with windows still open (README "Conversion with windows still open"):
-- cq.conversion_curve and cq.funnel_conversion_curve on cases worked by hand, their NULL
-- handling and errors.  test/check_conversion_curve.py compares them with an independent
-- Kaplan-Meier in Python on generated and real data.
SET extra_float_digits = 0;

-- Six users, data until day 10: events at 1 d (n = 6), 2 d (n = 4, two at once: one
-- censored at 2 d stays at risk at 2 d), 12 h (n = 6 first).  By hand: S(12h) = 5/6,
-- S(1d) = 5/6 * 4/5 = 4/6, S(2d) = 4/6 * (1 - 2/4) = 2/6.
SELECT p.step, p.time_to_convert, p.at_risk, p.converted, round(p.conversion::numeric, 6) AS conversion,
       round(p.naive_conversion::numeric, 6) AS naive,
       p.conversion_lower < p.conversion AND p.conversion < p.conversion_upper AS band_around
  FROM unnest((SELECT cq.conversion_curve(e, c, timestamptz '2024-01-10 00:00+00')
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-02 00:00+00'),
                              ('2024-01-01 00:00+00', '2024-01-03 00:00+00'),
                              ('2024-01-01 00:00+00', NULL),
                              ('2024-01-08 00:00+00', NULL),
                              ('2024-01-09 00:00+00', '2024-01-09 12:00+00'),
                              ('2024-01-05 00:00+00', '2024-01-07 00:00+00')) v(e, c))) p;

-- Greenwood by hand at 12 h: V = 1/(6*5); c = 1.959964 * sqrt(V) / |ln(5/6)|;
-- lower = 1 - (5/6)^exp(-c), upper = 1 - (5/6)^exp(c)
WITH c AS (SELECT 1.959963984540054 * sqrt(1.0 / 30) / abs(ln(5.0 / 6)) AS c)
SELECT round((1 - (5.0 / 6) ^ exp(-c))::numeric, 9) AS lower_by_hand,
       round((1 - (5.0 / 6) ^ exp(c))::numeric, 9) AS upper_by_hand
  FROM c;
SELECT round(p.conversion_lower::numeric, 9) AS lower, round(p.conversion_upper::numeric, 9) AS upper
  FROM unnest((SELECT cq.conversion_curve(e, c, timestamptz '2024-01-10 00:00+00')
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-02 00:00+00'),
                              ('2024-01-01 00:00+00', '2024-01-03 00:00+00'),
                              ('2024-01-01 00:00+00', NULL),
                              ('2024-01-08 00:00+00', NULL),
                              ('2024-01-09 00:00+00', '2024-01-09 12:00+00'),
                              ('2024-01-05 00:00+00', '2024-01-07 00:00+00')) v(e, c))) p
 WHERE p.time_to_convert = '12 hours';

-- A horizon censors later conversions (the one at 2 days, horizon 1 day 12 hours); a
-- conversion after observed_until is not yet seen (censored at 1 day)
SELECT p.time_to_convert, p.at_risk, p.converted, p.conversion
  FROM unnest((SELECT cq.conversion_curve(e, c, o, interval '1 day 12 hours', NULL)
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-02 00:00+00', timestamptz '2024-01-10 00:00+00'),
                              ('2024-01-01 00:00+00', '2024-01-03 00:00+00', '2024-01-10 00:00+00'),
                              ('2024-01-05 00:00+00', '2024-01-07 00:00+00', '2024-01-06 00:00+00')) v(e, c, o))) p;

-- Everybody converts at the same instant as the entry: one point at 0, conversion 1, no band
-- (log(-log S) is undefined at S = 0)
SELECT p.time_to_convert, p.at_risk, p.converted, p.conversion, p.conversion_lower, p.conversion_upper
  FROM unnest((SELECT cq.conversion_curve(e, e, e + interval '1 day')
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00'), ('2024-01-02 00:00+00')) v(e))) p;

-- Resolution: each user is followed for whole units only.  Horizon 36 hours, 1 day units:
-- one whole day each; the conversion at 30 hours would count at 2 days, past it: no point
-- (not a conversion of 1.0 among the one user left, as counting it would give)
SELECT count(*) AS points
  FROM unnest((SELECT cq.conversion_curve(e, c, timestamptz '2024-03-01 00:00+00', interval '36 hours', interval '1 day')
                 FROM (SELECT timestamptz '2024-01-01 00:00+00' AS e,
                              CASE WHEN g = 1 THEN timestamptz '2024-01-02 06:00+00' END AS c
                         FROM generate_series(1, 10) g) s)) p;
-- a user seen 18 hours who converted at 12 hours is no more at risk at 1 day than one seen
-- 18 hours who did not: both censored at 0; the user seen 2 days counts at 1 day, 1 of 1
SELECT p.time_to_convert, p.at_risk, p.converted, p.conversion
  FROM unnest((SELECT cq.conversion_curve(e, c, o, NULL, interval '1 day')
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-01 12:00+00', timestamptz '2024-01-01 18:00+00'),
                              ('2024-01-01 00:00+00', NULL, '2024-01-01 18:00+00'),
                              ('2024-01-01 00:00+00', '2024-01-01 20:00+00', '2024-01-03 00:00+00')) v(e, c, o))) p;
-- observed for ever: observed_until infinity censors nobody
SELECT p.time_to_convert, p.at_risk, p.conversion
  FROM unnest((SELECT cq.conversion_curve(e, c, timestamptz 'infinity')
                 FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-02 00:00+00'),
                              ('2024-01-01 00:00+00', NULL)) v(e, c))) p;

-- NULLs: a NULL entry or observed_until leaves the row out; nobody converted: no point;
-- no row at all: NULL; data ending before an entry: that user is left out
SELECT cardinality(cq.conversion_curve(e, c, o)) AS points,
       (SELECT (cq.conversion_curve(e, c, o)) IS NULL
          FROM (SELECT NULL::timestamptz, NULL::timestamptz, NULL::timestamptz WHERE false) z(e, c, o)) AS no_rows
  FROM (VALUES (NULL::timestamptz, NULL::timestamptz, timestamptz '2024-01-10 00:00+00'),
               ('2024-01-01 00:00+00', NULL, NULL),
               ('2024-01-01 00:00+00', NULL, '2024-01-10 00:00+00')) v(e, c, o);
SELECT (p).at_risk
  FROM (SELECT unnest(cq.conversion_curve(e, c, timestamptz '2024-01-05 00:00+00')) AS p
          FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-02 00:00+00'),
                       ('2024-01-09 00:00+00', NULL)) v(e, c)) x;

-- The funnel form: users who never reached step 1 and NULL states are left out; a user
-- who reached step 3 but not step 2 within the window cannot (steps are in order)
SELECT p.step, p.time_to_convert, p.at_risk, p.converted, p.conversion, p.naive_conversion
  FROM unnest((SELECT cq.funnel_conversion_curve(st, interval '2 days', timestamptz '2024-01-10 00:00+00')
                 FROM (SELECT cq.funnel_events(ts, e, 'a', 'b', 'c') AS st
                         FROM (VALUES (1, timestamptz '2024-01-01 00:00+00', 'a'), (1, '2024-01-01 06:00+00', 'b'),
                                      (1, '2024-01-01 12:00+00', 'c'),
                                      (2, '2024-01-02 00:00+00', 'a'), (2, '2024-01-02 06:00+00', 'c'),
                                      (3, '2024-01-03 00:00+00', 'b'),
                                      (4, '2024-01-09 18:00+00', 'a')) v(u, ts, e)
                        GROUP BY u
                        UNION ALL SELECT NULL) s)) p;

-- All-NULL input: NULL, as with no row
SELECT cq.conversion_curve(e, c, o) IS NULL AS all_null
  FROM (VALUES (NULL::timestamptz, NULL::timestamptz, NULL::timestamptz)) v(e, c, o);

-- Errors
SELECT cq.conversion_curve(e, c, o)
  FROM (VALUES (timestamptz '-infinity', timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-10 00:00+00')) v(e, c, o);
SELECT cq.conversion_curve(e, c, o)
  FROM (VALUES (timestamptz '2024-01-01 00:00+00', timestamptz 'infinity', timestamptz 'infinity')) v(e, c, o);
SELECT cq.conversion_curve(e, c, o)
  FROM (VALUES (timestamptz '2024-01-02 00:00+00', timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-10 00:00+00')) v(e, c, o);
SELECT cq.conversion_curve(e, c, o, h, NULL)
  FROM (VALUES (timestamptz '2024-01-01 00:00+00', NULL::timestamptz, timestamptz '2024-01-10 00:00+00', interval '1 day'),
               ('2024-01-01 00:00+00', NULL, '2024-01-10 00:00+00', interval '2 days')) v(e, c, o, h);
SELECT cq.conversion_curve(e, e, e, interval '-1 day', NULL)
  FROM (VALUES (timestamptz '2024-01-01 00:00+00')) v(e);
SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-10 00:00+00')
  FROM (SELECT cq.funnel_events(timestamptz '2024-01-01 00:00+00', true) AS st) s;
SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-10 00:00+00')
  FROM (SELECT cq.funnel_events(timestamptz '2024-01-01 00:00+00', true, false) AS st
        UNION ALL
        SELECT cq.funnel_events(timestamptz '2024-01-01 00:00+00', true, false, false)) s;
SELECT cq.funnel_conversion_curve(st, interval '1 day', timestamptz '2024-01-10 00:00+00', interval '-1 hour')
  FROM (SELECT cq.funnel_events(timestamptz '2024-01-01 00:00+00', true, false) AS st) s;
