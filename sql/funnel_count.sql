-- cq.funnel_any_order and cq.funnel_completions (README "Any order and completions"): worked
-- by hand, NULL and edge cases; test/check_funnel_reference.py compares both with the Python
-- reference on 100,000 generated users in every mode.
\pset null '(null)'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE fc_ev (u int, ts timestamptz, e text);
INSERT INTO fc_ev VALUES
 -- u1: cart, view, buy within 20 minutes: in order only the view counts (the cart came before
 -- it, and the buy needs a cart after it), in any order all 3
 (1, '2024-05-01 10:00', 'cart'), (1, '2024-05-01 10:10', 'view'), (1, '2024-05-01 10:20', 'buy'),
 -- u2: view, cart, buy, then again view, cart, buy the next day, then a view and a cart
 (2, '2024-05-01 09:00', 'view'), (2, '2024-05-01 09:05', 'cart'), (2, '2024-05-01 09:10', 'buy'),
 (2, '2024-05-02 09:00', 'view'), (2, '2024-05-02 09:05', 'cart'), (2, '2024-05-02 09:10', 'buy'),
 (2, '2024-05-03 09:00', 'view'), (2, '2024-05-03 09:05', 'cart'),
 -- u3: view, view, cart, buy, buy within an hour: one completion (the second buy has no
 -- view and cart of its own after the first completion)
 (3, '2024-05-01 08:00', 'view'), (3, '2024-05-01 08:10', 'view'), (3, '2024-05-01 08:20', 'cart'),
 (3, '2024-05-01 08:30', 'buy'), (3, '2024-05-01 08:40', 'buy'),
 -- u4: the three steps spread over three days: any order within 1 hour: 1, within 3 days: 3
 (4, '2024-05-01 12:00', 'buy'), (4, '2024-05-02 12:00', 'view'), (4, '2024-05-03 12:00', 'cart'),
 -- u5: only a row matching no step
 (5, '2024-05-01 12:00', 'other');
CREATE TABLE fc_st AS
SELECT u, cq.funnel_events(ts, e, 'view', 'cart', 'buy') AS st FROM fc_ev GROUP BY u;
SELECT u, cq.funnel_stage(st, interval '1 hour') AS in_order_1h,
       cq.funnel_any_order(st, interval '1 hour') AS any_order_1h,
       cq.funnel_any_order(st, interval '3 days') AS any_order_3d,
       cq.funnel_completions(st, interval '1 hour') AS completions_1h,
       cq.funnel_completions(st, interval '1 hour', 'strict_order') AS completions_strict_order
  FROM fc_st ORDER BY u;
-- u2 completes twice: once per day; with per-step windows of 10 minutes each, too
SELECT cq.funnel_completions(st, ARRAY[interval '10 minutes', interval '10 minutes']) AS per_step
  FROM fc_st WHERE u = 2;
-- an excluded event (a return between view and buy) breaks the first day's chain only
SELECT cq.funnel_completions(cq.funnel_events(ts, e, 'view', 'cart', 'buy', 'return'), interval '1 hour', '',
                             ARRAY[4, 1, 3]) AS with_exclusion
  FROM (SELECT * FROM fc_ev WHERE u = 2
        UNION ALL SELECT 2, '2024-05-01 09:07', 'return') x;
-- a zero window: the steps of one instant; rows at the same instant
SELECT cq.funnel_any_order(cq.funnel_events(ts, e, 'view', 'cart', 'buy'), interval '0') AS same_instant
  FROM (VALUES (timestamptz '2024-05-01 10:00', 'view'), ('2024-05-01 10:00', 'buy'),
               ('2024-05-01 10:00:01', 'cart')) v(ts, e);
-- one row satisfying several steps counts for each; infinite times
SELECT cq.funnel_any_order(cq.funnel_events(ts, ARRAY[true, true, false]), interval '1 hour') AS one_row_two_steps,
       cq.funnel_any_order(cq.funnel_events(ts, ARRAY[true, false, true]), interval '1 hour') AS infinity_rows
  FROM (VALUES (timestamptz 'infinity'), ('infinity')) v(ts);
-- NULL in, NULL out; a negative window is an error
SELECT cq.funnel_any_order(NULL, interval '1 hour') IS NULL AS null_state,
       cq.funnel_completions(st, NULL::interval) IS NULL AS null_window
  FROM fc_st WHERE u = 1;
\set VERBOSITY default
SELECT cq.funnel_any_order(st, interval '-1 hour') FROM fc_st WHERE u = 1;
SELECT cq.funnel_completions(st, interval '1 hour', 'no_such_mode') FROM fc_st WHERE u = 1;
DROP TABLE fc_ev, fc_st;
