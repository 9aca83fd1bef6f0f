#!/usr/bin/python3
"""cq.attribute against an independent Python model of each rule (test/attribution_reference.py).

Three data sets, every model, several lookbacks and half-lives; per channel the credited
conversions and value must agree within 1e-9 (relative, absolute below 1e-9), the set of
channels must be the same, and the unattributed row too.  The credits must also sum to the
number of conversions read.  The aggregate form (cq.attribution_credits per user, summed with
cq.attribution_rollup, read with cq.attribution_rows) must give the same against the model.

1. Generated (seeded): 3,000 users, touches on 7 channels ('direct' among them) at minute
   resolution, so that many share an instant; identical touch rows; conversions at a touch's
   instant, exactly a lookback after a touch, and a microsecond past it; values with NULL and
   NaN among them.
2. Generated warehouse: the demo generator's web shop (test/data/gen_warehouse.sql, seed 0.5,
   scale 0.2): ad clicks as touches with the campaign as channel (15 % of users click twice),
   server purchase rows as conversions with their value.
3. Real: the Olist marketing funnel (test/data/load_olist.sql): each lead's first contact as
   a touch on its origin channel, the won deals as conversions.
"""
import datetime
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attribution_reference import MODELS, attribute  # noqa: E402
from cqtest import close, copy_in, copy_out, expect, finish, psql  # noqa: E402

US = 1_000_000
MIN = 60 * US
HOUR = 60 * MIN
DAY = 24 * HOUR
EPOCH_2024 = 1704067200 * US       # 2024-01-01 00:00 UTC

SETTINGS = [("28 days", 28 * DAY, "7 days", 7 * DAY), ("7 days", 7 * DAY, "1 day", DAY),
            ("0", 0, "1 hour", HOUR), ("90 days", 90 * DAY, "30 days", 30 * DAY)]


def read(query):
    """(user, t_us, x) rows of query, which returns user text, time timestamptz, x."""
    rows = copy_out(f"SELECT u::text, (extract(epoch FROM t) * 1000000)::bigint, x FROM ({query}) q")
    return [(u, int(t), x) for u, t, x in rows]


def compare(label, touches_sql, convs_sql, touches, convs, with_value):
    for model in MODELS:
        for lb_sql, lb_us, hl_sql, hl_us in SETTINGS:
            want = attribute(touches, convs, model, lb_us, hl_us)
            got_rows = psql(
                "SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
                f"SELECT coalesce(channel, '<none>'), conversions, coalesce(value::text, '') "
                f"FROM cq.attribute('{touches_sql}', '{convs_sql}', '{model}', '{lb_sql}', "
                f"'{hl_sql}', 'user_id', 'event_time', 'channel', "
                f"{'$$value$$' if with_value else 'NULL'})")
            got = {(None if c == "<none>" else c): (float(n), float(v) if v != "" else None)
                   for c, n, v in got_rows}
            name = f"{label} {model} lookback {lb_sql} half-life {hl_sql}"
            ok = expect(f"{name}: channels", set(got) == set(want),
                        f"(only in cq: {set(got) - set(want)}, only in the model: {set(want) - set(got)})")
            if not ok:
                continue
            bad = []
            for ch, (n, v) in want.items():
                gn, gv = got[ch]
                if not (close(gn, n) or abs(gn - n) < 1e-9):
                    bad.append((ch, "conversions", gn, n))
                if with_value and not (close(gv, v) or abs(gv - v) < 1e-9):
                    bad.append((ch, "value", gv, v))
                if not with_value and gv is not None:
                    bad.append((ch, "value not NULL", gv, None))
            expect(f"{name}: figures", not bad, str(bad[:3]))
            total = sum(n for n, _ in got.values())
            expect(f"{name}: credits sum to the conversions", abs(total - len(convs)) < 1e-6,
                   f"({total} vs {len(convs)})")
            # the aggregate form: per-user states, summed
            agg = psql(
                "SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
                "SELECT coalesce(r.channel, '<none>'), r.conversions, r.value FROM ("
                "SELECT cq.attribution_rollup(s) AS s FROM (SELECT cq.attribution_credits(t, ch, conv, v, "
                f"'{model}', '{lb_sql}', '{hl_sql}') AS s FROM ("
                f"SELECT user_id AS u, event_time AS t, channel::text AS ch, false AS conv, NULL::float8 AS v "
                f"FROM {touches_sql} UNION ALL SELECT user_id, event_time, NULL, true, "
                f"{'value::float8' if with_value else 'NULL::float8'} FROM {convs_sql}) x GROUP BY u) y) z, "
                "cq.attribution_rows(z.s) r")
            gota = {(None if c == "<none>" else c): (float(n), float(v)) for c, n, v in agg}
            bad = [(ch, gota.get(ch), want[ch]) for ch in want
                   if ch not in gota or not (close(gota[ch][0], want[ch][0], 1e-9) or abs(gota[ch][0] - want[ch][0]) < 1e-9)
                   or (with_value and not (close(gota[ch][1], want[ch][1], 1e-9) or abs(gota[ch][1] - want[ch][1]) < 1e-6))]
            expect(f"{name}: per-user states rolled up", not bad and set(gota) == set(want), str(bad[:3]))


def generated():
    rng = random.Random(20261130)
    channels = ["search", "social", "email", "display", "direct", "affiliate", "Direct"]
    touches, convs = [], []
    for u in range(1, 3001):
        base = EPOCH_2024 + rng.randrange(0, 60) * DAY
        k = rng.choice([0, 1, 1, 2, 3, 5, 8])
        mine = []
        for _ in range(k):
            t = base + rng.randrange(0, 40 * 24 * 60) * MIN
            ch = rng.choice(channels)
            mine.append((t, ch))
            if rng.random() < 0.05:            # an identical touch row
                mine.append((t, ch))
            if rng.random() < 0.1:             # another channel at the same instant
                mine.append((t, rng.choice(channels)))
        touches += [(u, t, ch) for t, ch in mine]
        for _ in range(rng.choice([0, 1, 1, 2])):
            r = rng.random()
            if mine and r < 0.15:              # at a touch's instant
                ct = rng.choice(mine)[0]
            elif mine and r < 0.3:             # exactly 7 or 28 days after a touch, or 1 us past
                ct = rng.choice(mine)[0] + rng.choice([7, 28]) * DAY + rng.choice([0, 0, 1])
            else:
                ct = base + rng.randrange(0, 70 * 24 * 60) * MIN
            vr = rng.random()
            v = None if vr < 0.05 else (float("nan") if vr < 0.08 else round(rng.uniform(5, 500), 2))
            convs.append((u, ct, v))
    psql("DROP TABLE IF EXISTS gen_touches, gen_convs; "
         "CREATE TABLE gen_touches (user_id int, event_time timestamptz, channel text); "
         "CREATE TABLE gen_convs (user_id int, event_time timestamptz, value float8)")
    copy_in("gen_touches", [(u, us_text(t), ch) for u, t, ch in touches])
    copy_in("gen_convs", [(u, us_text(t), ("NaN" if v is not None and math.isnan(v) else v))
                          for u, t, v in convs])
    convs_model = [(str(u), t, v) for u, t, v in convs]
    touches_model = [(str(u), t, ch) for u, t, ch in touches]
    expect("generated: touches loaded", int(psql("SELECT count(*) FROM gen_touches")[0][0]) == len(touches))
    compare("generated", "gen_touches", "gen_convs", touches_model, convs_model, True)
    print(f"  generated: {len(touches)} touches, {len(convs)} conversions")


def us_text(us):
    """A timestamptz literal for us microseconds since the epoch (UTC), exact."""
    d = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    return d.isoformat()


def warehouse():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v", "scale=0.2",
                    "-f", "test/data/gen_warehouse.sql"], check=True, capture_output=True, text=True)
    psql("CREATE VIEW wh_touches AS SELECT user_id, event_time, campaign AS channel "
         "FROM shop.web_events WHERE event_name = 'ad_click'; "
         "CREATE VIEW wh_convs AS SELECT user_id, event_time, value "
         "FROM shop.web_events WHERE event_name = 'purchase' AND channel = 'server'")
    touches = read("SELECT user_id AS u, event_time AS t, channel AS x FROM wh_touches")
    convs = [(u, t, float(x)) for u, t, x in
             read("SELECT user_id AS u, event_time AS t, value AS x FROM wh_convs")]
    compare("warehouse", "wh_touches", "wh_convs", touches, convs, True)
    print(f"  warehouse: {len(touches)} touches, {len(convs)} conversions")


def olist():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "test/data/load_olist.sql"],
                   check=True, capture_output=True, text=True)
    psql("CREATE VIEW ol_touches AS SELECT mql_id AS user_id, event_time, substr(event_name, 9) AS channel "
         "FROM olist_leads WHERE event_name LIKE 'channel:%'; "
         "CREATE VIEW ol_convs AS SELECT mql_id AS user_id, event_time, deal AS value "
         "FROM olist_leads WHERE event_name = 'won'")
    touches = read("SELECT user_id AS u, event_time AS t, channel AS x FROM ol_touches")
    convs = [(u, t, float(x)) for u, t, x in
             read("SELECT user_id AS u, event_time AS t, value AS x FROM ol_convs")]
    compare("olist", "ol_touches", "ol_convs", touches, convs, True)
    n_attr = attribute(touches, convs, "last_touch", 90 * DAY, DAY)
    expect("olist: some deals attributed and some not within 90 days",
           n_attr[None][0] > 0 and len(n_attr) > 2, str(n_attr)[:200])
    print(f"  olist: {len(touches)} touches, {len(convs)} conversions")


def main():
    generated()
    warehouse()
    olist()
    finish("check_attribution")


if __name__ == "__main__":
    main()
