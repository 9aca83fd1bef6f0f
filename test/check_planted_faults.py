#!/usr/bin/python3
"""cq.tracking_health finds the faults planted by the generator's knobs, and finds none where
none was planted.

Data: test/data/gen_warehouse.sql at seed 0.5, scale 0.3, shop.web_events, twice in the same
database: once with every fault knob at 0 (no retries, blank ids, reused ids, late or future
rows, reload loops, orphans or outage), once with the knobs turned up:

    retry_rate 0.05, blank_null_rate 0.10, blank_empty_rate 0.05, buggy_rate 0.03,
    late_rate 0.10, very_late_rate 0.02, future_rate 0.02, far_future_rows 5,
    burst_rate 0.05, orphan_rate 0.20, outage_day 2025-03-05.

Each time the table is registered with its event id, channel and received-at columns and a
funnel view_item -> purchase within one hour is defined (purchase sessions have a view_item 16
to 46 minutes before the purchase; orphan_rate removes it), then cq.refresh() runs.

What is asserted, from the view alone (the generator's documentation says what was planted; an
independent recomputation of every figure is test/check_tracking_health.py):

  faults off: no missing ids, no reused ids, no future, late or stale rows, no bursts, no
    orphan purchases, and no volume anomaly on page_view or view_item in 2025-02-10 ..
    2025-03-20 (steady traffic);
  faults on:  the missing-id share of non-click events' rows, the late and stale shares of
    server rows and the future share of pixel rows each within 4 standard errors of the
    planted rate; the reused ids are 'evt-0000' and ids spread by future stamps; bursts
    of page_view at 2 x 0.05 / 1.1 of its events (within 4 standard errors); orphan purchases
    at the planted share (within 5 standard errors: the share of early purchases is taken from
    the generator's rates); reused ids other than 'evt-0000' only where a planted future stamp
    spread an id's rows over more than 48 hours; page_view and view_item, which stop arriving
    on 2025-03-05, flagged there with a row of 0 rows and a positive expected_low, and not on
    2025-03-04 or 2025-03-06.
"""
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import expect, finish, psql  # noqa: E402

OFF = dict(retry_rate=0, blank_null_rate=0, blank_empty_rate=0, buggy_rate=0, late_rate=0,
           very_late_rate=0, future_rate=0, far_future_rows=0, burst_rate=0, orphan_rate=0)
ON = dict(retry_rate=0.05, blank_null_rate=0.10, blank_empty_rate=0.05, buggy_rate=0.03,
          late_rate=0.10, very_late_rate=0.02, future_rate=0.02, far_future_rows=5,
          burst_rate=0.05, orphan_rate=0.20, outage_day="2025-03-05")


def generate(knobs):
    psql("DROP SCHEMA IF EXISTS shop CASCADE; "
         "SELECT cq.unregister_source(name) FROM cq.event_sources")
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v", "scale=0.3"]
    for k, v in knobs.items():
        args += ["-v", f"{k}={v}"]
    subprocess.run(args + ["-f", "test/data/gen_warehouse.sql"], check=True,
                   capture_output=True, text=True)
    psql("DROP TABLE shop.app_events, shop.lead_events")
    psql("SELECT cq.register_source('web', 'shop.web_events', 'user_id', 'event_time', "
         "'event_name', event_id_column => 'event_id', source_column => 'channel', "
         "received_at_column => 'received_at')")
    psql("SELECT cq.define_funnel('browse_to_buy', 'web', '{view_item,purchase}', '1 hour')")
    psql("SET client_min_messages = warning; SELECT count(*) FROM cq.refresh('web')")


def one(sql):
    return float(psql(sql)[0][0] or 0)


def within(name, got, n, p, sigmas=4.0):
    """got (a share of n) within `sigmas` binomial standard errors of p."""
    se = math.sqrt(p * (1 - p) / n) if n else 0.0
    ok = abs(got - p) <= sigmas * se
    return expect(name, ok, f"(got {got:.5f}, planted {p:.5f}, n {n}, 4 se {sigmas * se:.5f})")


def totals():
    r = psql("""
        SELECT coalesce(sum(rows * missing_id_rate), 0), coalesce(sum(reused_ids), 0),
               sum(future_events), sum(late_events), sum(stale_events), sum(burst_events),
               coalesce(sum(orphan_events), 0)
          FROM cq.tracking_health WHERE source = 'web'""")[0]
    return [float(x or 0) for x in r]


def anomalies(event, first, last):
    return int(one(f"""SELECT count(*) FROM cq.tracking_health
                        WHERE source = 'web' AND event_name = '{event}' AND volume_anomaly
                          AND day BETWEEN '{first}' AND '{last}'"""))


def main():
    # ---- faults off ----
    generate(OFF)
    blank, reused, future, late, stale, bursts, orphans = totals()
    expect("off: no missing ids", blank == 0, f"({blank})")
    expect("off: no reused ids", reused == 0, f"({reused})")
    expect("off: no future rows", future == 0, f"({future})")
    expect("off: no late rows", late == 0, f"({late})")
    expect("off: no stale rows", stale == 0, f"({stale})")
    expect("off: no bursts", bursts == 0, f"({bursts})")
    expect("off: no orphan purchases", orphans == 0, f"({orphans})")
    for ev in ("page_view", "view_item"):
        n = anomalies(ev, "2025-02-10", "2025-03-20")
        expect(f"off: no volume anomaly on {ev} in steady traffic", n == 0, f"({n} days)")
    print(f"  faults off: missing {blank:.0f}, reused {reused:.0f}, future {future:.0f}, "
          f"late {late:.0f}, stale {stale:.0f}, bursts {bursts:.0f}, orphans {orphans:.0f}")

    # ---- faults on ----
    generate(ON)
    blank, reused, future, late, stale, bursts, orphans = totals()
    # missing ids: pixel rows of non-click events, blanked at 0.10 + 0.05
    pixel_nonclick = one("SELECT count(*) FROM shop.web_events WHERE channel = 'pixel' "
                         "AND event_name <> 'ad_click'")
    within("on: missing ids at the planted rate", blank / pixel_nonclick, int(pixel_nonclick), 0.15)
    # late (> 24 h) and stale (> 7 days) rows: server events at 0.10 + 0.02 and 0.02
    server = one("SELECT count(*) FROM shop.web_events WHERE channel = 'server'")
    within("on: late rows at the planted rate", late / server, int(server), 0.12)
    within("on: stale rows at the planted rate", stale / server, int(server), 0.02)
    # future: pixel rows of non-click events at 0.02, plus 5 rows in 2031
    within("on: future rows at the planted rate", (future - 5) / pixel_nonclick,
           int(pixel_nonclick), 0.02)
    in_2031 = one("SELECT count(*) FROM cq.tracking_health WHERE source = 'web' "
                  "AND day >= '2031-01-01' AND future_events > 0")
    expect("on: the 2031 stamps are future rows on days of 2031", in_2031 >= 1, f"({in_2031})")
    # reused ids: 'evt-0000' on page_view, once
    # and ids whose copies a future stamp pushed more than 48 hours apart (kept twice): each
    # such id must have a future-stamped row, and nothing else may be reused
    spread, by_future = [float(x) for x in psql(
        "SELECT count(*), count(*) FILTER (WHERE future) FROM ("
        " SELECT bool_or(event_time > received_at + interval '1 hour') AS future"
        "   FROM shop.web_events WHERE event_id <> 'evt-0000' AND btrim(event_id) <> ''"
        "  GROUP BY event_name, event_id"
        " HAVING max(event_time) > min(event_time) + interval '48 hours'"
        "     OR count(DISTINCT user_id) > 1 OR count(DISTINCT value) > 1) x")[0]]
    evt0 = one("SELECT count(*) FROM shop.web_events WHERE event_id = 'evt-0000'")
    expect("on: the buggy clients' evt-0000 is in the data", evt0 > 0, f"({evt0})")
    expect("on: every other reused id comes from a planted future stamp", spread == by_future,
           f"({spread} reused, {by_future} with a future stamp)")
    expect("on: reused ids = evt-0000 and those", reused == 1 + spread, f"({reused}, {spread})")
    # bursts: each planted page view (5 %) gets two reloads, which are bursts
    pv_events, pv_bursts = [float(x) for x in psql(
        "SELECT sum(events), sum(burst_events) FROM cq.tracking_health WHERE source = 'web' "
        "AND event_name = 'page_view'")[0]]
    within("on: page_view bursts at the planted rate", pv_bursts / pv_events, int(pv_events),
           2 * 0.05 / 1.1)
    # orphans: the sessions that lost their view_item, among kept purchases; early
    # (first-week) purchases keep theirs, which the share of non-early purchases corrects
    buy_events, buy_orphans = [float(x) for x in psql(
        "SELECT sum(events), sum(orphan_events) FROM cq.tracking_health WHERE source = 'web' "
        "AND event_name = 'purchase'")[0]]
    # per user: early purchases 0.35 x 0.05; later ones (0.35 x 0.25 + 0.65 x 0.05) x 1.5 on
    # average, plus 0.004 x 2.5 for wishlist users (the generator's header)
    early_share = 0.35 * 0.05 / (0.35 * 0.05 + (0.35 * 0.25 + 0.65 * 0.05) * 1.5 + 0.004 * 2.5)
    within("on: orphan purchases at the planted rate", buy_orphans / buy_events, int(buy_events),
           0.20 * (1 - early_share), sigmas=5.0)
    # the outage day: the events stopped arriving, a row of 0 flagged with its expected range
    for ev in ("page_view", "view_item"):
        row = psql(f"""SELECT rows, volume_anomaly, expected_low > 0 FROM cq.tracking_health
                        WHERE source = 'web' AND event_name = '{ev}' AND day = '2025-03-05'""")
        expect(f"on: {ev} flagged on the outage day", row == [["0", "t", "t"]], f"({row})")
        n = int(one(f"""SELECT count(*) FROM cq.tracking_health
                         WHERE source = 'web' AND event_name = '{ev}' AND volume_anomaly
                           AND day IN ('2025-03-04', '2025-03-06')"""))
        expect(f"on: {ev} not flagged the days around it", n == 0, f"({n})")
    print(f"  faults on: missing {blank:.0f} of {pixel_nonclick:.0f} pixel rows, late {late:.0f} "
          f"and stale {stale:.0f} of {server:.0f} server rows, future {future:.0f}, reused "
          f"{reused:.0f}, page_view bursts {pv_bursts:.0f} of {pv_events:.0f}, orphan purchases "
          f"{buy_orphans:.0f} of {buy_events:.0f}")
    finish("check_planted_faults")


if __name__ == "__main__":
    main()
