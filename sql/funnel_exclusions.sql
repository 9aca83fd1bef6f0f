-- Exclusion steps and per-step windows on stored states (hand-checked)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
SET TIME ZONE 'UTC';
-- steps view, cart, buy; condition 4 is the excluded event "refund_page"
CREATE FUNCTION st(spec text) RETURNS cq.funnel_state LANGUAGE sql AS $$
    SELECT cq.funnel_events(timestamptz '2024-01-01 00:00:00+00' + split_part(x, '@', 2)::int * interval '1 second',
                            split_part(x, '@', 1) = 'view', split_part(x, '@', 1) = 'cart',
                            split_part(x, '@', 1) = 'buy', split_part(x, '@', 1) = 'refund_page')
      FROM unnest(string_to_array(spec, ' ')) x
$$;

-- An excluded event strictly between step from and step to breaks the chain; the stage it
-- reached still counts.  Without exclusions, condition 4 would be a fourth step.
SELECT spec,
       cq.funnel_stage(st(spec), interval '1 hour') AS four_steps,
       cq.funnel_stage(st(spec), interval '1 hour', '', ARRAY[4, 1, 3]) AS excl_1_3,
       cq.funnel_stage(st(spec), interval '1 hour', '', ARRAY[4, 2, 3]) AS excl_2_3,
       cq.funnel_stage(st(spec), interval '1 hour', '', ARRAY[4, 1, 2]) AS excl_1_2
  FROM (VALUES ('view@0 cart@10 refund_page@20 buy@30'),
               ('view@0 refund_page@5 cart@10 buy@30'),
               ('refund_page@0 view@1 cart@2 buy@3'),
               ('view@0 cart@10 buy@20 refund_page@30'),
               ('view@0 cart@10 refund_page@10 buy@30'),   -- at the same time as step 2: after it
               ('view@0 refund_page@0 cart@10 buy@30'),    -- at the same time as step 1: not between
               ('view@0 cart@10 refund_page@20 view@40 cart@50 buy@60')) v(spec);  -- a new chain
SELECT cq.funnel_step_times(st('view@0 cart@10 refund_page@20 view@40 cart@50 buy@60'),
                            interval '1 hour', '', ARRAY[4, 1, 3]) AS step_times;
-- strict_once keeps several chains: only the broken ones go
SELECT cq.funnel_stage(st('view@0 view@15 cart@16 refund_page@20 buy@30'), interval '1 hour', 'strict_once',
                       ARRAY[4, 1, 3]) AS strict_once_both_broken,
       cq.funnel_stage(st('view@0 cart@10 refund_page@20 view@25 cart@26 buy@30'), interval '1 hour', 'strict_once',
                       ARRAY[4, 1, 3]) AS strict_once_later_chain;
-- an excluded-only row is foreign to strict_order
SELECT cq.funnel_stage(st('view@0 refund_page@5 cart@10'), interval '1 hour', 'strict_order', ARRAY[4, 2, 3])
       AS strict_order;
-- per-step windows count steps only
SELECT cq.funnel_stage(st('view@0 cart@10 buy@30'), ARRAY[interval '10 s', '20 s'], '', ARRAY[4, 1, 3])
       AS per_step_windows;

-- Caller mistakes (22023; NULL 22004)
\set VERBOSITY sqlstate
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[3, 1, 2]);   -- not after the steps
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[4, 2, 2]);
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[4, 1, 4]);
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[5, 1, 2]);
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[4, 1]);
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[4, 1, NULL]);
SELECT cq.funnel_stage(st('view@0'), ARRAY[interval '1 s', '1 s', '1 s'], '', ARRAY[4, 1, 3]);
\set VERBOSITY default
SELECT cq.funnel_stage(st('view@0'), interval '1 hour', '', ARRAY[3, 1, 2]);
