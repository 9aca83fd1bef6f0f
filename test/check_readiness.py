#!/usr/bin/python3
"""cq.adset_readiness against an independent Python model of its rules, on the demo warehouse.

Data: test/data/gen_warehouse.sql (seed 0.5, scale 1): the web shop's ad clicks carry the
ad set; candidates add_to_cart, begin_checkout and purchase, with pixel and server copies of
one event sharing an event id (and blank ids on some pixel rows).  The model, written from the
README's rules: rows with a NULL user, time or event name are not read; a candidate row is a
copy when an earlier kept row of the same event name and (non-blank) id is at most 48 hours
before it (the first row is kept, the window runs from each kept row; rows at one instant in
any order); each kept event is credited to the ad set of the user's last click at or before it
within the attribution window, clicks ordered by (time, ad set); counts in the last 7 days up
to the end of observation (given: 2025-03-10), the weekly average over the span from the first
row, the verdict and, per ad set, the deepest ready candidate.  Every row of the function must
equal the model's (counts exactly, averages 1e-9), for windows of 7 and 30 days and
thresholds of 40 and 150 a week.  Planted
truth: the demo's 9 web ad sets are about equally likely, and with a 30-day window at 40 a week
some are ready on purchase while others are not, so the recommended event differs between ad
sets; with a 7-day window purchases (after day 7) are rarely credited at all.
"""
import os
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import close, copy_out, expect, finish, psql  # noqa: E402

US = 1_000_000
DAY = 86400 * US
CANDS = ["add_to_cart", "begin_checkout", "purchase"]
# the end of observation: a day in the demo's steady traffic (the default, the latest row,
# would be one of the rows stamped in 2031)
UNTIL_SQL = "2025-03-10 00:00:00+00"
UNTIL = 1741564800 * US


def blank(s):
    return s is None or s.strip(" \t\n\r\f\v") == ""


def model(rows, window_us, min_weekly):
    until = UNTIL
    first = min(t for _, t, _, _, _ in rows)
    clicks = defaultdict(list)
    for u, t, ev, ad, _ in rows:
        if ev == "ad_click" and ad is not None:
            clicks[u].append((t, ad.encode(), ad))
    for u in clicks:
        clicks[u].sort()
    # dedup
    groups = defaultdict(list)
    kept = []
    for r in rows:
        if r[2] in CANDS:
            if blank(r[4]):
                kept.append(r)
            else:
                groups[(r[2], r[4])].append(r)
    for rs in groups.values():
        rs.sort(key=lambda r: r[1])
        deadline = None
        for r in rs:
            if deadline is not None and r[1] <= deadline:
                continue
            kept.append(r)
            deadline = r[1] + 48 * 3600 * US
    counts = defaultdict(lambda: [0, 0])
    for u, t, ev, _, _ in kept:
        ad = None
        for ct, _, cad in reversed(clicks.get(u, [])):
            if ct <= t:
                if ct >= t - window_us:
                    ad = cad
                break
        c = counts[(ad, ev)]
        c[1] += 1
        if until - 7 * DAY < t <= until:
            c[0] += 1
    ads = {a for cl in clicks.values() for _, _, a in cl}
    if any(k[0] is None for k in counts):
        ads = ads | {None}
    weeks = max(1.0, (until - first) / (7 * DAY))
    out = {}
    for ad in ads:
        best = None
        for depth, ev in enumerate(CANDS, 1):
            w, n = counts.get((ad, ev), [0, 0])
            verdict = "unattributed" if ad is None else ("ready" if w >= min_weekly else "too rare")
            out[(ad, ev)] = [depth, w, n, n / weeks, verdict, False]
        if ad is not None:
            ready = [ev for ev in CANDS if out[(ad, ev)][4] == "ready"]
            if ready:
                out[(ad, ready[-1])][5] = True
    return out


def main():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v", "scale=1",
                    "-f", "test/data/gen_warehouse.sql"], check=True, capture_output=True, text=True)
    rows = [(u, int(t), ev, ad if ad != "" else None, i if i != "" else None) for u, t, ev, ad, i in copy_out(
        "SELECT user_id::text, (extract(epoch FROM event_time) * 1000000)::bigint, event_name, ad_set, "
        "coalesce(event_id, '') FROM shop.web_events WHERE user_id IS NOT NULL AND event_time IS NOT NULL "
        "AND event_name IS NOT NULL AND isfinite(event_time)")]
    # copy_out gives '' for NULL: an id of '' is blank either way
    differ = False
    for window_sql, window_us in (("7 days", 7 * DAY), ("30 days", 30 * DAY)):
        for min_weekly in (40, 150):
            want = model(rows, window_us, min_weekly)
            got = {}
            for ad, ev, depth, w, n, avg, verdict, rec in psql(
                    "SET extra_float_digits = 3; SELECT coalesce(ad_set, '<null>'), event_name, depth, "
                    "last_week_events, credited_events, weekly_average, verdict, recommended "
                    "FROM cq.adset_readiness('shop.web_events', 'ad_set', "
                    "'{add_to_cart,begin_checkout,purchase}', "
                    f"attribution_window => '{window_sql}', min_weekly_volume => {min_weekly}, "
                    f"observed_until => '{UNTIL_SQL}', "
                    "event_id_column => 'event_id')"):
                got[(None if ad == "<null>" else ad, ev)] = [int(depth), int(w), int(n), float(avg),
                                                            verdict, rec == "t"]
            name = f"window {window_sql}, {min_weekly} a week"
            if not expect(f"{name}: rows", set(got) == set(want), str(set(got) ^ set(want))):
                continue
            bad = [(k, got[k], want[k]) for k in want
                   if got[k][:3] != want[k][:3] or not close(got[k][3], want[k][3])
                   or got[k][4:] != want[k][4:]]
            expect(f"{name}: every row as the model", not bad, str(bad[:3]))
            recs = {k[1] for k, v in got.items() if v[5]}
            differ = differ or len(recs) > 1
            print(f"  {name}: {len(got)} rows, recommended events {sorted(recs)}")
    expect("planted: the recommended event differs between ad sets somewhere", differ)
    finish("check_readiness")


if __name__ == "__main__":
    main()
