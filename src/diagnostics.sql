-- Tracking diagnostics (README, "Tracking diagnostics"): why two copies of an
-- event did or did not deduplicate under each ad platform's rule, for one pair
-- (cq.dedup_explain(jsonb, jsonb)) or for a whole registered source
-- (cq.dedup_explain(text)).  The rules are those of
-- ../shared/reference/DEDUP_RULES.md, summarized in the README with their
-- sources; where a platform's documentation is vague the README says which
-- reading is taken.

-- The channel of a copy: 'browser' (pixel, web, app, sdk, client), 'server'
-- (capi, eapi, events_api, api, s2s, server_api), NULL for anything else
-- (a value read from a table).  Plain SQL, so that it is inlined per row.
CREATE FUNCTION cq_internal.channel_kind(channel text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE pg_catalog.lower(pg_catalog.btrim(channel, E' \t\n\r\f\v'))
    WHEN 'browser' THEN 'browser' WHEN 'pixel' THEN 'browser' WHEN 'web' THEN 'browser'
    WHEN 'app' THEN 'browser' WHEN 'sdk' THEN 'browser' WHEN 'client' THEN 'browser'
    WHEN 'server' THEN 'server' WHEN 'capi' THEN 'server' WHEN 'eapi' THEN 'server'
    WHEN 'events_api' THEN 'server' WHEN 'api' THEN 'server' WHEN 's2s' THEN 'server'
    WHEN 'server_api' THEN 'server' END
$$;

COMMENT ON FUNCTION cq_internal.channel_kind(text) IS
'browser or server for the spellings of a copy''s channel (pixel, web, app, sdk, client; capi, eapi, events_api, api, s2s, server_api), trimmed of whitespace and case-insensitive; NULL for anything else.';

-- The same for a channel a caller gives: anything unknown is a mistake.
CREATE FUNCTION cq_internal.channel_kind_strict(channel text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF channel IS NOT NULL AND cq_internal.channel_kind(channel) IS NULL THEN
        RAISE EXCEPTION 'unknown channel "%"', channel
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A copy comes from the browser (or app) or from a server.',
                  HINT = 'Use browser (also pixel, web, app, sdk, client) or server (also capi, eapi, events_api, api, s2s, server_api).';
    END IF;
    RETURN cq_internal.channel_kind(channel);
END
$$;

COMMENT ON FUNCTION cq_internal.channel_kind_strict(text) IS
'cq_internal.channel_kind, with 22023 for a non-NULL channel it does not know.';

-- The standard event names of Meta and TikTok (their documentation, 2024-2025).
CREATE FUNCTION cq_internal.standard_events(platform text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE platform
    WHEN 'meta' THEN ARRAY['AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'CompleteRegistration',
                           'Contact', 'CustomizeProduct', 'Donate', 'FindLocation',
                           'InitiateCheckout', 'Lead', 'PageView', 'Purchase', 'Schedule',
                           'Search', 'StartTrial', 'SubmitApplication', 'Subscribe', 'ViewContent']
    WHEN 'tiktok' THEN ARRAY['AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'ApplicationApproval',
                             'ClickButton', 'CompletePayment', 'CompleteRegistration', 'Contact',
                             'CustomizeProduct', 'Download', 'FindLocation', 'InitiateCheckout',
                             'Lead', 'PlaceAnOrder', 'Purchase', 'Schedule', 'Search',
                             'StartTrial', 'SubmitApplication', 'SubmitForm', 'Subscribe',
                             'ViewContent']
    ELSE '{}'::text[] END
$$;

COMMENT ON FUNCTION cq_internal.standard_events(text) IS
'The standard event names of Meta or TikTok as their documentation listed them in 2024-2025; empty for other platforms.';

-- How two event names differ, for a platform: NULL when they are identical.
CREATE FUNCTION cq_internal.name_difference(a text, b text, platform text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN a IS NULL OR b IS NULL THEN 'event name missing on one copy'
    WHEN a = b THEN NULL
    WHEN platform = 'tiktok' AND ARRAY[a, b] <@ ARRAY['CompletePayment', 'Purchase']
        THEN format('event names differ: %L and %L (TikTok renamed CompletePayment to Purchase; the names must be identical)', a, b)
    WHEN btrim(a) = btrim(b) THEN format('event names differ in surrounding whitespace: %L and %L', a, b)
    WHEN lower(a) = lower(b) THEN format('event names differ in case: %L and %L', a, b)
    WHEN lower(btrim(a)) = lower(btrim(b)) THEN format('event names differ in case and whitespace: %L and %L', a, b)
    WHEN platform IN ('meta', 'tiktok')
         AND (a = ANY (cq_internal.standard_events(platform))) <> (b = ANY (cq_internal.standard_events(platform)))
        THEN format('event names differ: %L is a standard %s event, %L a custom one',
                    CASE WHEN a = ANY (cq_internal.standard_events(platform)) THEN a ELSE b END,
                    CASE platform WHEN 'meta' THEN 'Meta' ELSE 'TikTok' END,
                    CASE WHEN a = ANY (cq_internal.standard_events(platform)) THEN b ELSE a END)
    ELSE format('event names differ: %L and %L', a, b)
END
$$;

COMMENT ON FUNCTION cq_internal.name_difference(text, text, text) IS
'NULL when two event names are identical, else how they differ: whitespace, case, a renamed TikTok event, a standard against a custom event, or simply different.';

-- How two event ids differ: NULL when both are present and identical.
-- A blank id (empty or only spaces) counts as missing.
CREATE FUNCTION cq_internal.id_difference(a text, b text, a_label text, b_label text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN coalesce(btrim(a), '') = '' AND coalesce(btrim(b), '') = '' THEN 'no event_id on either copy'
    WHEN coalesce(btrim(a), '') = '' THEN format('event_id missing on the %s copy%s', a_label,
                                                 CASE WHEN a = '' THEN ' (an empty string)'
                                                      WHEN a IS NOT NULL THEN ' (only spaces)' ELSE '' END)
    WHEN coalesce(btrim(b), '') = '' THEN format('event_id missing on the %s copy%s', b_label,
                                                 CASE WHEN b = '' THEN ' (an empty string)'
                                                      WHEN b IS NOT NULL THEN ' (only spaces)' ELSE '' END)
    WHEN a = b THEN NULL
    WHEN btrim(a) = btrim(b) THEN format('event ids differ in surrounding whitespace: %L and %L', a, b)
    WHEN lower(a) = lower(b) THEN format('event ids differ in case: %L and %L', a, b)
    WHEN lower(btrim(a)) = lower(btrim(b)) THEN format('event ids differ in case and whitespace: %L and %L', a, b)
    WHEN right(a, length(b)) = b THEN format('event ids differ by a prefix: %L on the %s copy, %L on the %s copy',
                                             a, a_label, b, b_label)
    WHEN right(b, length(a)) = a THEN format('event ids differ by a prefix: %L on the %s copy, %L on the %s copy',
                                             b, b_label, a, a_label)
    WHEN left(a, length(b)) = b OR left(b, length(a)) = a
        THEN format('event ids differ by a suffix: %L and %L', a, b)
    ELSE format('event ids differ: %L and %L', a, b)
END
$$;

COMMENT ON FUNCTION cq_internal.id_difference(text, text, text, text) IS
'NULL when two event ids are present and identical, else how they differ: missing (NULL or blank) on one or both copies, whitespace, case, a prefix or suffix, or simply different.';

-- The pair form's work; cq.dedup_explain(jsonb, jsonb, text) below is its
-- public face (PL/pgSQL cannot name an input and an output "platform").
CREATE FUNCTION cq_internal.dedup_explain_pair(a jsonb, b jsonb, only_platform text)
RETURNS TABLE (platform text, counted_once boolean, reasons text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    keys constant text[] := ARRAY['event_name', 'event_id', 'event_time', 'received_at', 'channel',
                                  'external_id', 'fbp', 'ttp', 'test_event_code'];
    bad text;
    p text;
    ca text;            -- channels
    cb text;
    ta timestamptz;     -- arrivals
    tb timestamptz;
    gap interval;
    first_label text;
    la text;            -- labels of the copies in the reasons
    lb text;
    name_diff text;
    id_diff text;
    ids_usable boolean;
    win constant interval := interval '48 hours';
    fallback text;
    r text[];
    once boolean;
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN;                 -- no pair, no answer
    END IF;
    IF jsonb_typeof(a) <> 'object' OR jsonb_typeof(b) <> 'object' THEN
        RAISE EXCEPTION 'each copy must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''{"event_name": "Purchase", "event_id": "o-1", "channel": "browser"}''.';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO bad
      FROM (SELECT jsonb_object_keys(a) AS k UNION SELECT jsonb_object_keys(b)) x
     WHERE k <> ALL (keys);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown key in a copy: %', bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || array_to_string(keys, ', ') || '; absent keys are absent fields.';
    END IF;
    IF only_platform IS NOT NULL AND lower(only_platform) NOT IN ('tiktok', 'meta', 'google', 'cq') THEN
        RAISE EXCEPTION 'unknown platform "%"', only_platform
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use tiktok, meta, google, cq (the extension''s own rule), or NULL for all four.';
    END IF;

    ca := cq_internal.channel_kind_strict(a->>'channel');
    cb := cq_internal.channel_kind_strict(b->>'channel');
    la := CASE WHEN ca IS NOT NULL AND ca IS DISTINCT FROM cb THEN ca ELSE 'first' END;
    lb := CASE WHEN cb IS NOT NULL AND ca IS DISTINCT FROM cb THEN cb ELSE 'second' END;
    ta := coalesce((a->>'received_at')::timestamptz, (a->>'event_time')::timestamptz);
    tb := coalesce((b->>'received_at')::timestamptz, (b->>'event_time')::timestamptz);
    -- a time at +-infinity is no time: nothing to measure a window on
    IF NOT isfinite(ta) THEN
        ta := NULL;
    END IF;
    IF NOT isfinite(tb) THEN
        tb := NULL;
    END IF;
    gap := CASE WHEN ta IS NULL OR tb IS NULL THEN NULL WHEN ta <= tb THEN tb - ta ELSE ta - tb END;
    first_label := CASE WHEN ta IS NULL OR tb IS NULL THEN NULL WHEN ta <= tb THEN la ELSE lb END;

    FOREACH p IN ARRAY ARRAY['tiktok', 'meta', 'google', 'cq'] LOOP
        CONTINUE WHEN only_platform IS NOT NULL AND lower(only_platform) <> p;
        r := '{}';
        name_diff := cq_internal.name_difference(a->>'event_name', b->>'event_name', p);
        id_diff := cq_internal.id_difference(a->>'event_id', b->>'event_id', la, lb);
        ids_usable := id_diff IS NULL;
        IF name_diff IS NOT NULL THEN
            r := r || name_diff;
        END IF;
        IF id_diff IS NOT NULL THEN
            r := r || id_diff;
        END IF;
        -- test events never merge with live ones
        IF p IN ('tiktok', 'meta')
           AND (a->>'test_event_code') IS DISTINCT FROM (b->>'test_event_code') THEN
            r := r || format('test_event_code differs (%s and %s): test events are kept apart from live ones',
                             coalesce(quote_literal(a->>'test_event_code'), 'none'),
                             coalesce(quote_literal(b->>'test_event_code'), 'none'));
        END IF;
        IF p = 'google' THEN
            -- transaction id per conversion action; no window documented
            IF greatest(length(a->>'event_id'), length(b->>'event_id')) > 64 THEN
                r := r || text 'a transaction id longer than 64 characters is not accepted';
            END IF;
            once := name_diff IS NULL AND ids_usable
                    AND greatest(length(a->>'event_id'), length(b->>'event_id')) <= 64;
            IF once THEN
                r := r || text 'the second conversion with this transaction id is rejected as a duplicate (no time limit)';
            END IF;
        ELSE
            fallback := NULL;
            IF NOT ids_usable AND name_diff IS NULL AND id_diff NOT LIKE 'event ids differ%' THEN
                -- ids missing: the platforms' fallback keys
                IF p = 'meta' THEN
                    fallback := CASE
                        WHEN (a->>'fbp') IS NOT NULL AND (a->>'fbp') = (b->>'fbp') THEN 'fbp'
                        WHEN (a->>'external_id') IS NOT NULL AND (a->>'external_id') = (b->>'external_id') THEN 'external_id'
                        END;
                    IF fallback IS NULL THEN
                        r := r || text 'no shared fbp or external_id to fall back on';
                    ELSIF ca IS NULL OR cb IS NULL OR ca = cb THEN
                        r := r || format('the fallback on %s joins a browser copy with a later server copy only, not two %s copies',
                                         fallback, coalesce(ca, cb, 'unlabelled'));
                        fallback := NULL;
                    ELSIF first_label IS DISTINCT FROM 'browser' THEN
                        r := r || format('the fallback on %s works only when the browser copy arrives first; the server copy came first',
                                         fallback);
                        fallback := NULL;
                    END IF;
                ELSIF p = 'tiktok' THEN
                    IF (a->>'ttp') IS NOT NULL AND (a->>'ttp') = (b->>'ttp') AND ca IS DISTINCT FROM cb THEN
                        fallback := 'ttp';
                    ELSE
                        r := r || text 'no shared _ttp cookie to fall back on';
                    END IF;
                END IF;
            END IF;
            once := name_diff IS NULL
                    AND (ids_usable OR fallback IS NOT NULL)
                    AND NOT EXISTS (SELECT 1 FROM unnest(r) x WHERE x LIKE 'test_event_code differs%');
            IF once AND gap IS NOT NULL AND gap > win THEN
                once := false;
                r := r || format('arrived %s hours apart: %s hours past the 48-hour window',
                                 round(extract(epoch FROM gap) / 3600, 2),
                                 round(extract(epoch FROM gap - win) / 3600, 2));
            ELSIF gap IS NULL AND (once OR fallback IS NOT NULL) THEN
                r := r || text 'no finite time on one copy: the 48-hour window was not checked';
            END IF;
            IF once THEN
                IF fallback IS NOT NULL THEN
                    r := r || CASE WHEN p = 'meta'
                                   THEN format('deduplicated on the fallback key %s: browser copy first, the later server copy dropped', fallback)
                                   ELSE 'deduplicated on the _ttp cookie (best effort, as older TikTok documentation describes)' END;
                ELSIF p = 'tiktok' AND ca IS DISTINCT FROM cb AND gap IS NOT NULL AND gap <= interval '5 minutes' THEN
                    r := r || text 'merged: the first copy is kept and enriched with the other''s match keys (browser and server within 5 minutes)';
                ELSIF p = 'meta' AND ca IS DISTINCT FROM cb AND ca IS NOT NULL AND cb IS NOT NULL
                      AND gap IS NOT NULL AND gap <= interval '5 minutes' THEN
                    r := r || text 'the browser copy is favoured (browser and server within 5 minutes)';
                ELSIF first_label IN ('browser', 'server') THEN
                    r := r || format('the first copy received (%s) is kept', first_label);
                ELSIF first_label IS NOT NULL THEN
                    r := r || text 'the first copy received is kept';
                END IF;
            END IF;
        END IF;
        platform := p;
        counted_once := once;
        reasons := r;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.dedup_explain_pair(jsonb, jsonb, text) IS
'The work of cq.dedup_explain(jsonb, jsonb, text).';

CREATE FUNCTION cq.dedup_explain(a jsonb, b jsonb, platform text DEFAULT NULL)
RETURNS TABLE (platform text, counted_once boolean, reasons text[])
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.dedup_explain_pair($1, $2, $3)
$$;

COMMENT ON FUNCTION cq.dedup_explain(jsonb, jsonb, text) IS
'Two copies of an event (JSON objects with keys event_name, event_id, event_time, received_at, channel, external_id, fbp, ttp, test_event_code) judged by each platform''s dedup rule (tiktok, meta, google, cq; or one of them): whether they count once, and every reason (how names or ids differ, the window, the fallback key, which copy is kept). NULL input: no rows.';

-- The whole-source form.  Candidate pairs are the copies a platform should
-- have merged: two rows of the same user whose event names are equal up to
-- case, surrounding whitespace and TikTok's renamed CompletePayment, stamped
-- at most 5 minutes apart (each row paired with the next such row).  Each
-- pair is judged by the platform's rule; the reasons of the pairs that are
-- not counted once are counted by kind (the text before any colon, numbers
-- replaced by N) and ranked.
CREATE FUNCTION cq_internal.dedup_explain_source(source text, only_platform text)
RETURNS TABLE (platform text, reason text, pairs bigint, share double precision, example text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_variable
DECLARE
    s cq.event_sources;
    rel regclass;
    p text := lower(coalesce(only_platform, 'cq'));
BEGIN
    IF p NOT IN ('tiktok', 'meta', 'google', 'cq') THEN
        RAISE EXCEPTION 'unknown platform "%"', only_platform
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use tiktok, meta, google or cq.';
    END IF;
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = dedup_explain_source.source;
    IF NOT FOUND OR NOT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner) THEN
        RAISE EXCEPTION 'source "%" is not registered', dedup_explain_source.source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the sources you may read.';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    RETURN QUERY EXECUTE format($q$
WITH r AS (
    SELECT e.%1$I AS u, e.%2$I::pg_catalog.timestamptz AS t, e.%3$I::pg_catalog.text AS name,
           %4$s AS id, %5$s AS channel, %6$s AS arrived
      FROM %7$s e
     WHERE e.%1$I IS NOT NULL AND e.%2$I IS NOT NULL AND e.%3$I IS NOT NULL),
c AS (
    SELECT r2.*, pg_catalog.lead(j) OVER w AS next, pg_catalog.lead(t) OVER w AS next_t
      FROM (SELECT r.*,
                   CASE WHEN pg_catalog.lower(pg_catalog.btrim(name)) = 'completepayment' THEN 'purchase'
                        ELSE pg_catalog.lower(pg_catalog.btrim(name)) END AS k,
                   pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                       'event_name', name, 'event_id', id, 'event_time', t,
                       'received_at', arrived, 'channel', channel)) AS j
              FROM r) r2
    WINDOW w AS (PARTITION BY u, k ORDER BY t)),
p AS (
    SELECT x.counted_once, x.reasons
      FROM c, cq_internal.dedup_explain_pair(c.j, c.next, %8$L) x
     WHERE c.next_t IS NOT NULL AND c.next_t <= c.t + interval '5 minutes' AND pg_catalog.isfinite(c.t)),
n AS (SELECT pg_catalog.count(*) AS total FROM p)
SELECT %8$L::text, q.kind, pg_catalog.count(*), pg_catalog.count(*)::float8 / pg_catalog.max(n.total),
       pg_catalog.min(q.reason)
  FROM (SELECT CASE WHEN p.counted_once THEN '(counted once)'
                    ELSE pg_catalog.regexp_replace(pg_catalog.regexp_replace(reason, ':.*$', ''),
                                                   '[0-9]+([.][0-9]+)?', 'N', 'g') END AS kind,
               reason
          FROM p, pg_catalog.unnest(CASE WHEN p.counted_once THEN ARRAY[NULL::text]
                                         ELSE p.reasons END) AS reason) q, n
 GROUP BY q.kind
 ORDER BY q.kind = '(counted once)', pg_catalog.count(*) DESC, q.kind
$q$,
        s.user_column, s.time_column, s.event_column,
        CASE WHEN s.event_id_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('e.%I::pg_catalog.text', s.event_id_column) END,
        CASE WHEN s.source_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE format('cq_internal.channel_kind(e.%I::pg_catalog.text)', s.source_column) END,
        CASE WHEN s.received_at_column IS NULL THEN 'NULL::pg_catalog.timestamptz'
             ELSE format('e.%I::pg_catalog.timestamptz', s.received_at_column) END,
        rel, p);
END
$$;

COMMENT ON FUNCTION cq_internal.dedup_explain_source(text, text) IS
'The work of cq.dedup_explain(text, text).';

CREATE FUNCTION cq.dedup_explain(source text, platform text DEFAULT 'cq')
RETURNS TABLE (platform text, reason text, pairs bigint, share double precision, example text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.dedup_explain_source($1, $2)
$$;

COMMENT ON FUNCTION cq.dedup_explain(text, text) IS
'Why copies in a registered source do not deduplicate under a platform''s rule (tiktok, meta, google, or cq, the default): pairs of rows of one user with the same event name up to case and whitespace, stamped at most 5 minutes apart, judged by cq.dedup_explain(jsonb, jsonb); the reasons of the pairs not counted once, by kind, counted and ranked, with one example each, and the pairs counted once. Reads the source with the caller''s privileges.';

-- ---------------------------------------------------------------------------
-- Match quality: the customer information an event carries for the ad
-- platforms' matching (README, "Match quality")
-- ---------------------------------------------------------------------------

-- The identifiers a source may map to columns, and their weight in the
-- 0-10 match score.  The weights are ours: the platforms publish which
-- parameters help matching most (email and phone first, then external ids,
-- click ids and browser ids, then IP address and user agent together), not
-- a formula.  They sum to 10.
CREATE FUNCTION cq_internal.match_weight(identifier text)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE identifier
    WHEN 'email' THEN 3.0 WHEN 'phone' THEN 2.5 WHEN 'external_id' THEN 1.5
    WHEN 'fbc' THEN 1.0 WHEN 'fbp' THEN 0.75 WHEN 'ip' THEN 0.375 WHEN 'user_agent' THEN 0.375
    WHEN 'ttclid' THEN 0.25 WHEN 'gclid' THEN 0.25 END
$$;

COMMENT ON FUNCTION cq_internal.match_weight(text) IS
'Weight of an identifier in the 0-10 match score: email 3, phone 2.5, external_id 1.5, fbc 1, fbp 0.75, ip 0.375, user_agent 0.375, ttclid 0.25, gclid 0.25 (ours; the platforms publish no formula). NULL for an unknown identifier.';

-- Whether a value of an identifier would be usable by the platforms: email
-- and phone through the extension's own normalizers (Meta's rules; phones
-- without a country code read in "region"), ip shaped like an IPv4 or IPv6
-- address, fbp and fbc in Meta's fb.<subdomain>.<creation time>.<id> form,
-- the others not blank.  NULL for NULL.
CREATE FUNCTION cq_internal.identifier_valid(identifier text, value text, region text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
    WHEN value IS NULL THEN NULL
    WHEN identifier = 'email' THEN cq.normalize_email(value, 'meta') IS NOT NULL
    WHEN identifier = 'phone' THEN cq.normalize_phone(value, region, 'meta') IS NOT NULL
    WHEN identifier = 'ip' THEN btrim(value) ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$'
                            OR (btrim(value) ~ '^[0-9A-Fa-f:.]+$' AND btrim(value) ~ ':.*:')
    WHEN identifier = 'fbp' THEN btrim(value) ~ '^fb\.[0-9]+\.[0-9]{10,13}\.[0-9]+$'
    WHEN identifier = 'fbc' THEN btrim(value) ~ '^fb\.[0-9]+\.[0-9]{10,13}\.[^[:space:]]+$'
    ELSE btrim(value) <> '' END
$$;

COMMENT ON FUNCTION cq_internal.identifier_valid(text, text, text) IS
'Whether a value of an identifier is usable: email and phone normalize (cq.normalize_email, cq.normalize_phone, Meta''s rules, phones read in region), ip is an IPv4 or IPv6 address, fbp and fbc have Meta''s fb.N.<time>.<id> form, the others are not blank. NULL for NULL.';

-- The customer_columns argument of cq.register_source: an object mapping
-- identifiers to columns of rel (plus phone_region, a region code, not a
-- column); a clean error otherwise.
CREATE FUNCTION cq_internal.check_customer_columns(rel regclass, customer_columns jsonb)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    v jsonb;
BEGIN
    IF customer_columns IS NULL THEN
        RETURN;
    END IF;
    IF jsonb_typeof(customer_columns) <> 'object' THEN
        RAISE EXCEPTION 'customer_columns must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''{"email": "email", "phone": "phone_number", "phone_region": "FR"}''.';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(customer_columns) LOOP
        IF jsonb_typeof(v) <> 'string' THEN
            RAISE EXCEPTION 'customer_columns.% must be a string', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF k = 'phone_region' THEN
            IF NOT (v #>> '{}') = ANY (cq.phone_regions()) THEN
                RAISE EXCEPTION 'unknown phone region "%"', v #>> '{}'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Use an ISO 3166-1 alpha-2 code that cq.phone_regions() lists, such as US or FR.';
            END IF;
        ELSIF cq_internal.match_weight(k) IS NULL THEN
            RAISE EXCEPTION 'unknown identifier "%" in customer_columns', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Identifiers: email, phone, external_id, ip, user_agent, fbp, fbc, ttclid, gclid; and phone_region, a region code.';
        ELSE
            PERFORM cq_internal.check_source_column(rel, (v #>> '{}')::name, 'customer_columns.' || k,
                                                    'any', true);
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cq_internal.check_customer_columns(regclass, jsonb) IS
'Checks the customer_columns of a source: an object whose keys are known identifiers naming columns of rel, and phone_region a known region code; 22023 or 42703 otherwise.';

-- ---------------------------------------------------------------------------
-- Reconciliation against the source of truth (README, "Reconciliation")
-- ---------------------------------------------------------------------------

-- Per UTC day: the orders of an orders (or payments) table against the
-- tracked conversions of a registered source, matched by order id = event
-- id.  Tracked rows are deduplicated first (the source's rule); an order row
-- with a negative value is a refund of its order id.
CREATE FUNCTION cq_internal.reconcile_source(source text, orders_table regclass, order_id_column name,
                                             value_column name, time_column name,
                                             conversion_event text, tolerance numeric)
RETURNS TABLE (day date, orders bigint, tracked bigint, matched bigint, not_tracked bigint,
               tracked_without_order bigint, surviving_duplicates bigint, value_mismatches bigint,
               refunds bigint, order_revenue numeric, tracked_revenue numeric, revenue_gap numeric,
               refunded_revenue numeric, net_revenue numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_variable
DECLARE
    s cq.event_sources;
    rel regclass;
BEGIN
    SELECT * INTO s FROM cq.event_sources x WHERE x.name = reconcile_source.source;
    IF NOT FOUND OR NOT cq_internal.may_read(s.relation_schema, s.relation_name, s.relation_owner) THEN
        RAISE EXCEPTION 'source "%" is not registered', reconcile_source.source
            USING ERRCODE = 'undefined_object', HINT = 'cq.event_sources lists the sources you may read.';
    END IF;
    IF s.event_id_column IS NULL THEN
        RAISE EXCEPTION 'source "%" has no event id column', s.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Orders are matched to tracked conversions by order id = event id.',
                  HINT = 'Register the source again with event_id_column.';
    END IF;
    IF orders_table IS NULL OR order_id_column IS NULL OR value_column IS NULL OR time_column IS NULL
       OR conversion_event IS NULL THEN
        RAISE EXCEPTION 'arguments of cq.reconcile must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name the orders table, its order id, value and time columns, and the conversion event.';
    END IF;
    IF tolerance IS NULL OR tolerance < 0 THEN
        RAISE EXCEPTION 'tolerance must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    rel := cq_internal.source_relation(s.relation_schema, s.relation_name, s.relation_owner);
    PERFORM cq_internal.check_source(rel, s.user_column, s.time_column, s.event_column, s.value_column,
                                     s.event_id_column, s.source_column, s.received_at_column);
    PERFORM cq_internal.check_source_column(orders_table, order_id_column, 'order_id_column', 'any', true);
    PERFORM cq_internal.check_source_column(orders_table, value_column, 'value_column', 'number', true);
    PERFORM cq_internal.check_source_column(orders_table, time_column, 'time_column', 'time', true);
    RETURN QUERY EXECUTE format($q$
WITH tracked_rows AS (
    SELECT e.%1$I::pg_catalog.text AS id, e.%2$I::pg_catalog.timestamptz AS t, %3$s AS v,
           cq.dedup_key(e.%4$I::pg_catalog.text, e.%1$I::pg_catalog.text) AS k
      FROM %5$s e
     WHERE e.%4$I::pg_catalog.text = %6$L AND e.%2$I IS NOT NULL),
tracked AS (        -- deduplicated: the kept rows of each key, blank ids alone
    SELECT id, t, v
      FROM (SELECT *, CASE WHEN k IS NULL THEN true
                           ELSE cq.dedup_keep(t, '48 hours'::pg_catalog.interval)
                                OVER (PARTITION BY k ORDER BY t) END AS keep
              FROM tracked_rows) x
     WHERE keep),
per_id AS (
    SELECT id, pg_catalog.min(t) AS t, pg_catalog.count(*) AS n,
           (pg_catalog.array_agg(v ORDER BY t))[1] AS v, pg_catalog.sum(v) AS v_total
      FROM tracked WHERE pg_catalog.btrim(coalesce(id, '')) <> '' GROUP BY id),
order_rows AS (
    SELECT o.%7$I::pg_catalog.text AS id, o.%8$I::pg_catalog.timestamptz AS t,
           o.%9$I::pg_catalog.numeric AS v
      FROM %10$s o
     WHERE o.%7$I IS NOT NULL AND o.%8$I IS NOT NULL AND o.%9$I IS NOT NULL),
ord AS (            -- one row per order id: its first sale, its refunds
    SELECT id, pg_catalog.min(t) FILTER (WHERE v >= 0) AS t, pg_catalog.min(t) AS t_any,
           pg_catalog.sum(v) FILTER (WHERE v >= 0) AS sold,
           pg_catalog.count(*) FILTER (WHERE v < 0) AS refunds,
           -pg_catalog.sum(v) FILTER (WHERE v < 0) AS refunded
      FROM order_rows GROUP BY id),
joined AS (
    SELECT coalesce(ord.t, p.t, ord.t_any) AS t, ord.t IS NOT NULL AS is_order,
           p.id IS NOT NULL AS is_tracked, coalesce(p.n, 0) AS n, ord.sold, p.v AS tracked_v,
           p.v_total,
           coalesce(ord.refunds, 0) AS refunds, coalesce(ord.refunded, 0) AS refunded
      FROM ord FULL JOIN per_id p ON p.id = ord.id),
blank AS (          -- tracked conversions without an id: never matched
    SELECT t, v FROM tracked WHERE pg_catalog.btrim(coalesce(id, '')) = '')
SELECT d, pg_catalog.sum(orders)::bigint, pg_catalog.sum(tracked)::bigint, pg_catalog.sum(matched)::bigint,
       pg_catalog.sum(not_tracked)::bigint, pg_catalog.sum(without_order)::bigint,
       pg_catalog.sum(dups)::bigint, pg_catalog.sum(mismatch)::bigint, pg_catalog.sum(refunds)::bigint,
       coalesce(pg_catalog.sum(sold), 0), coalesce(pg_catalog.sum(tracked_v), 0),
       coalesce(pg_catalog.sum(sold), 0) - coalesce(pg_catalog.sum(tracked_v), 0),
       coalesce(pg_catalog.sum(refunded), 0),
       coalesce(pg_catalog.sum(sold), 0) - coalesce(pg_catalog.sum(refunded), 0)
  FROM (SELECT (t AT TIME ZONE 'UTC')::date AS d, is_order::int AS orders, n AS tracked,
               (is_order AND is_tracked)::int AS matched, (is_order AND NOT is_tracked)::int AS not_tracked,
               (is_tracked AND NOT is_order)::int AS without_order,
               GREATEST(n - 1, 0) AS dups,
               (is_order AND is_tracked AND (tracked_v IS NULL
                  OR pg_catalog.abs(tracked_v - sold) > %11$L::pg_catalog.numeric))::int AS mismatch,
               refunds, sold, v_total AS tracked_v, refunded
          FROM joined
        UNION ALL
        SELECT (t AT TIME ZONE 'UTC')::date, 0, 1, 0, 0, 1, 0, 0, 0, NULL, v::pg_catalog.numeric, 0
          FROM blank) x
 WHERE d IS NOT NULL
 GROUP BY d ORDER BY d
$q$,
        s.event_id_column, s.time_column,
        CASE WHEN s.value_column IS NULL THEN 'NULL::pg_catalog.numeric'
             ELSE format('e.%I::pg_catalog.numeric', s.value_column) END,
        s.event_column, rel, conversion_event,
        order_id_column, time_column, value_column, orders_table, tolerance);
END
$$;

COMMENT ON FUNCTION cq_internal.reconcile_source(text, regclass, name, name, name, text, numeric) IS
'The work of cq.reconcile.';

CREATE FUNCTION cq.reconcile(source text, orders regclass, order_id_column name DEFAULT 'order_id',
                             value_column name DEFAULT 'value', time_column name DEFAULT 'created_at',
                             conversion_event text DEFAULT 'purchase', tolerance numeric DEFAULT 0.01)
RETURNS TABLE (day date, orders bigint, tracked bigint, matched bigint, not_tracked bigint,
               tracked_without_order bigint, surviving_duplicates bigint, value_mismatches bigint,
               refunds bigint, order_revenue numeric, tracked_revenue numeric, revenue_gap numeric,
               refunded_revenue numeric, net_revenue numeric)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM cq_internal.reconcile_source($1, $2, $3, $4, $5, $6, $7)
$$;

COMMENT ON FUNCTION cq.reconcile(text, regclass, name, name, name, text, numeric) IS
'Per UTC day, a registered source''s tracked conversions (conversion_event, deduplicated by the source''s rule) against an orders table matched by order id = event id: orders, tracked conversions, matched, orders never tracked, tracked conversions with no order, duplicates that survived dedup, value mismatches (beyond tolerance), refunds (order rows with a negative value), order and tracked revenue, the gap, refunded and net revenue. Reads both tables with the caller''s privileges.';
