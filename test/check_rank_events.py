#!/usr/bin/python3
"""cq.rank_events on generated data with planted signals (test/gen_signal_data.py):

1. the ranking puts them in the right places: the true driver (add_to_cart) first and ready;
   the rare perfect predictor (vip_call) with the largest odds ratio of all candidates but
   "too rare"; the frequent events without effect (page_view, newsletter_signup) "no signal";
   the revenue event (purchase) flagged and last; session_start (every user) untestable;
2. every figure equals an independent computation in Python of the same definition (equal
   windows, censoring, revenue strictly after the first occurrence), with the statistics from
   scipy / sklearn (test/signal_reference.py), to 1e-9 relative;
3. the same holds with revenue from a separate table, a conversion event, excluded events and
   an explicit end of observation;
4. the same holds for the README's example on the bundled UCI data (refunds included).
"""
import os
import subprocess
import sys

import numpy as np

os.environ["PGTZ"] = "UTC"    # calendar days are 86,400 s, as in the Python reference
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import check, copy_out, expect, finish, num, psql  # noqa: E402
from gen_signal_data import generate  # noqa: E402
from rank_reference import event_windows  # noqa: E402
from signal_reference import reference  # noqa: E402

H = 14 * 86400
COLS = ["rank", "event_name", "users", "users_with_event", "users_censored", "conversion_rate",
        "baseline_conversion_rate", "lift", "odds_ratio", "odds_ratio_lower", "odds_ratio_upper",
        "correlation", "p_value", "q_value", "revenue_share", "lead_seconds", "weekly_volume",
        "is_revenue_event", "verdict", "score"]


def expected(u, t, n, v, horizon, *, rev=None, conversion=None, exclude=(), t_end=None,
             min_weekly=50.0, alpha=0.05):
    """The rank_events figures by the documented definition, in plain Python."""
    windows, t_end = event_windows(u, t, n, v, horizon, rev=rev, conversion=conversion,
                                   t_end=t_end)
    weeks = max((t_end - t.min()) / 604800.0, 1.0)
    out = {}
    for name, w in windows.items():
        if name in exclude:
            continue
        vals = np.array(w["with_values"] + w["without_values"])
        e_flags = np.array([True] * len(w["with_values"]) + [False] * len(w["without_values"]))
        r = reference(e_flags, vals)
        ne = ~e_flags
        out[name] = dict(
            event_name=name, users=r["n"], users_with_event=r["n_event"], users_censored=w["censored"],
            conversion_rate=r["precision"],
            baseline_conversion_rate=float((vals[ne] > 0).mean()) if ne.any() else None,
            lift=r["lift"], odds_ratio=r["odds_ratio"], odds_ratio_lower=r["odds_ratio_lower"],
            odds_ratio_upper=r["odds_ratio_upper"], correlation=r["correlation"],
            p_value=r["p_value"], revenue_share=r["revenue_share"],
            lead_seconds=float(np.median(w["leads"])) if w["leads"] else None,
            weekly_volume=w["occurrences"] / weeks,
            is_revenue_event=w["carries"] or name == conversion)
    # Benjamini-Hochberg over the testable non-revenue events
    tested = sorted((e for e in out.values() if e["p_value"] is not None and not e["is_revenue_event"]),
                    key=lambda e: (e["p_value"], e["event_name"]))
    mcount, qmin = len(tested), 1.0
    for k in range(mcount, 0, -1):
        e = tested[k - 1]
        qmin = min(qmin, e["p_value"] * mcount / k)
        e["q_value"] = qmin
    for e in out.values():
        e.setdefault("q_value", None)
        if e["is_revenue_event"]:
            e["verdict"], e["score"] = "revenue event", None
        elif e["p_value"] is None:
            e["verdict"], e["score"] = "not enough data", None
        elif e["q_value"] > alpha or e["correlation"] <= 0:
            e["verdict"] = "no signal"
            e["score"] = 0.0 if e["q_value"] > alpha else e["correlation"] * min(1, e["weekly_volume"] / min_weekly)
        else:
            e["verdict"] = "too rare" if e["weekly_volume"] < min_weekly else "ready"
            e["score"] = e["correlation"] * min(1, e["weekly_volume"] / min_weekly)
    return out


def query(args):
    return psql(f"""SELECT rank, event_name, users, users_with_event, users_censored, conversion_rate,
                           baseline_conversion_rate, lift, odds_ratio, odds_ratio_lower,
                           odds_ratio_upper, correlation, p_value, q_value, revenue_share,
                           extract(epoch FROM median_lead_time), weekly_volume, is_revenue_event,
                           verdict, score
                      FROM cq.rank_events({args})""")


def compare(label, rows, want):
    expect(f"{label}.names", sorted(r[1] for r in rows) == sorted(want), [r[1] for r in rows])
    for row in rows:
        got = dict(zip(COLS, row))
        w = want.get(got["event_name"])
        if w is None:
            continue
        for c in COLS[2:]:
            if c in ("verdict",):
                expect(f"{label}.{got['event_name']}.{c}", got[c] == w[c], (got[c], w[c]))
            elif c == "is_revenue_event":
                expect(f"{label}.{got['event_name']}.{c}", (got[c] == "t") == w[c], (got[c], w[c]))
            elif c == "p_value" and w[c] is not None and got["correlation"]:
                # see check_signal_scipy.py: p amplifies the last digits of r by about t^2
                r, nn = float(got["correlation"]), int(got["users"])
                t2 = (nn - 2) * r * r / (1 - r * r) if abs(r) < 1 else 0
                check(f"{label}.{got['event_name']}.{c}", num(got[c]), w[c], rel=1e-9 + t2 * 1e-12)
            elif c == "q_value" and w[c] is not None and got["q_value"]:
                check(f"{label}.{got['event_name']}.{c}", num(got[c]), w[c], rel=1e-6)
            else:
                check(f"{label}.{got['event_name']}.{c}", num(got[c]), w[c])
    # ordered by score (NULLs last), then revenue events last, then name
    keyed = [(-(num(r[19])) if r[19] else float("inf"), r[17] == "t", r[1]) for r in rows]
    expect(f"{label}.order", keyed == sorted(keyed), rows)
    expect(f"{label}.ranks", [int(r[0]) for r in rows] == list(range(1, len(rows) + 1)))


def main():
    u, t, n, v, _ = generate(users=20000, weeks=26, names=8, seed=1)
    psql("CREATE TABLE gen_events (user_id bigint, event_time timestamptz, event_name text, revenue numeric)")
    subprocess_copy = ("\\copy gen_events FROM PROGRAM '/usr/bin/python3 test/gen_signal_data.py "
                       "--users 20000 --weeks 26 --names 8 --seed 1' WITH (FORMAT csv)")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", subprocess_copy], check=True)
    psql("ANALYZE gen_events")
    cnt = int(psql("SELECT count(*) FROM gen_events")[0][0])
    expect("loaded", cnt == len(u), (cnt, len(u)))
    t = t.astype(float)

    # 1 + 2: default arguments (revenue = rows with a non-zero value: the purchases)
    rows = query("'gen_events', '14 days'")
    by = {r[1]: dict(zip(COLS, r)) for r in rows}
    expect("driver_first", rows[0][1] == "add_to_cart" and rows[0][18] == "ready", rows[0])
    tested_or = {k: num(r["odds_ratio"]) for k, r in by.items() if r["is_revenue_event"] == "f"
                 and r["odds_ratio"]}
    expect("rare_predictor_largest_or", max(tested_or, key=tested_or.get) == "vip_call", tested_or)
    expect("rare_predictor_too_rare", by["vip_call"]["verdict"] == "too rare", by["vip_call"])
    expect("rare_predictor_below_driver", int(by["vip_call"]["rank"]) > 1)
    for name in ("page_view", "newsletter_signup"):
        expect(f"{name}_no_signal", by[name]["verdict"] == "no signal", by[name])
        expect(f"{name}_below_rare", int(by[name]["rank"]) > int(by["vip_call"]["rank"]))
    expect("purchase_flagged_last", by["purchase"]["is_revenue_event"] == "t"
           and int(by["purchase"]["rank"]) == len(rows), by["purchase"])
    expect("session_start_untestable", by["session_start"]["verdict"] == "not enough data")
    expect("censored_counted", int(by["session_start"]["users_censored"]) > 0)
    compare("default", rows, expected(u, t, n, v, H))

    # 3a. revenue from a separate table, excluded events, an explicit end of observation
    psql("""CREATE TABLE gen_revenue AS SELECT user_id, event_time, revenue FROM gen_events
             WHERE event_name = 'purchase';
            CREATE VIEW gen_actions AS SELECT user_id, event_time, event_name FROM gen_events
             WHERE event_name <> 'purchase'""")
    end = "2024-06-01 00:00:00+00"
    end_s = float(np.datetime64("2024-06-01T00:00:00").astype("datetime64[s]").astype(np.int64))
    sel = n == "purchase"
    keep = n != "purchase"
    rows = query(f"'gen_actions', '7 days', revenue_events => 'gen_revenue', "
                 f"exclude_events => '{{event_01,event_02}}', observed_until => '{end}'")
    want = expected(u[keep], t[keep], n[keep], v[keep], 7 * 86400, rev=(u[sel], t[sel], v[sel]),
                    exclude=("event_01", "event_02"), t_end=end_s)
    compare("revenue_table", rows, want)
    expect("revenue_table.driver_first", rows[0][1] == "add_to_cart", rows[0])

    # 3b. a conversion event in the same table; a stricter volume threshold
    rows = query("'gen_events', '30 days', conversion_event => 'purchase', min_weekly_volume => 300")
    compare("conversion_event", rows, expected(u, t, n, v, 30 * 86400, conversion="purchase",
                                              min_weekly=300))
    by = {r[1]: r for r in rows}
    expect("conversion_event.flagged", by["purchase"][17] == "t")
    expect("conversion_event.driver_too_rare_at_300", by["add_to_cart"][18] == "too rare", by["add_to_cart"])
    # 4. the README's UCI example (revenue from a view of invoices), recomputed in Python
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "test/data/load_uci.sql"],
                   check=True, capture_output=True)
    psql("""CREATE VIEW uci_product_events AS
            SELECT customer_id AS user_id, invoice_date AS event_time, p.event_name
              FROM online_retail
              JOIN (VALUES ('85123A', 'bought heart t-light holder'), ('22423', 'bought cake stand'),
                           ('85099B', 'bought jumbo bag'), ('47566', 'bought party bunting'),
                           ('84879', 'bought bird ornament')) p(stock_code, event_name) USING (stock_code)
             WHERE customer_id IS NOT NULL AND quantity > 0
            UNION ALL
            SELECT customer_id, invoice_date, 'cancellation' FROM online_retail
             WHERE customer_id IS NOT NULL AND invoice_no LIKE 'C%';
            CREATE VIEW uci_invoices AS
            SELECT customer_id AS user_id, invoice_date AS event_time,
                   sum(quantity * unit_price) AS revenue
              FROM online_retail WHERE customer_id IS NOT NULL
             GROUP BY invoice_no, customer_id, invoice_date""")
    ev = copy_out("SELECT user_id, extract(epoch FROM event_time::timestamptz), event_name "
                  "FROM uci_product_events")
    rv = copy_out("SELECT user_id, extract(epoch FROM event_time::timestamptz), revenue::float8 "
                  "FROM uci_invoices")
    eu = np.array([int(r[0]) for r in ev])
    et = np.array([float(r[1]) for r in ev])
    en = np.array([r[2] for r in ev], dtype=object)
    ru = np.array([int(r[0]) for r in rv])
    rt = np.array([float(r[1]) for r in rv])
    rvv = np.array([float(r[2]) for r in rv])
    rows = query("'uci_product_events', '90 days', revenue_events => 'uci_invoices'")
    compare("uci", rows, expected(eu, et, en, np.full(len(eu), np.nan), 90 * 86400,
                                  rev=(ru, rt, rvv)))
    finish("check_rank_events")


main()
