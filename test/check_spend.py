#!/usr/bin/python3
"""cq.spend_report against an independent Python model of its definitions.

Data: the demo generator's lead-gen table (test/data/gen_warehouse.sql, seed 0.5, scale 1),
buckets by entry creative; a spend table made here: 40.00 EUR per creative and day from
2025-01-01 to 2025-04-30, with ten days missing for roi_calculator, two rows on one day for
case_study_video (summed), one day of webinar_promo_b in USD (a mixed currency: its costs are
NULL), and spend for a creative no user ever saw ('ghost_creative').  Optimization events:
lead_submitted (deduplicated by event id) and qualified_lead, horizons 90 and 30 days.

The model, written from the README: one bucket per user (the creative of their first row with
one; ties by the value in byte order); spend summed per bucket and UTC day; the currency, or
'mixed'; missing days = UTC days with a row of the event in the bucket, between the first and
last spend day of the whole table, without spend for that bucket; over the days with spend:
event rows, kept rows (copies: same event name and non-blank id within 48 hours of the kept
row), qualified ones (a kept row followed by a row of the same user with a value above zero
within (t, t + horizon]), the revenue of the bucket's users' rows on those days, ROAS with the
95 % normal interval revenue +- 1.96 * sd * sqrt(n) over the bucket's users (0 for a user
without revenue), the weekly volume (kept rows / (spend days / 7)), the verdict and the share
of spend on too-rare buckets.  Costs and ROAS within 1e-9 (costs are rounded to 4 decimals by
the function, so 5e-5 absolute), counts exact.  Planted truth: quiz_giveaway has the lowest
cost per submitted lead and the highest cost per qualified conversion.
"""
import datetime
import math
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import close, copy_out, expect, finish, psql  # noqa: E402

US = 1_000_000
DAY = 86400 * US
EPOCH = datetime.date(1970, 1, 1)


def blank(s):
    return s is None or s.strip(" \t\n\r\f\v") == ""


def model(rows, spend_rows, event, horizon_us, min_weekly):
    by_user = defaultdict(list)
    for r in rows:
        by_user[r[0]].append(r)
    bucket = {}
    for u, rs in by_user.items():
        c = sorted((r for r in rs if r[3] is not None), key=lambda r: (r[1], r[3].encode()))
        if c:
            bucket[u] = c[0][3]
    spend = defaultdict(Decimal)
    cur = defaultdict(set)
    for day, b, amount, currency in spend_rows:
        spend[(b, day)] += amount
        if currency is not None:
            cur[b].add(currency)
    first_day = min(d for _, d in spend)
    last_day = max(d for _, d in spend)
    ev = [r for r in rows if r[2] == event and r[0] in bucket]
    kept = set()
    groups = defaultdict(list)
    for i, r in enumerate(ev):
        if blank(r[4]):
            kept.add(i)
        else:
            groups[(r[2], r[4])].append(i)
    for idx in groups.values():
        idx.sort(key=lambda i: ev[i][1])
        deadline = None
        for i in idx:
            if deadline is not None and ev[i][1] <= deadline:
                continue
            kept.add(i)
            deadline = ev[i][1] + 48 * 3600 * US
    rev_times = defaultdict(list)
    for r in rows:
        if r[5] is not None and r[5] > 0:
            rev_times[r[0]].append(r[1])
    out = {}
    buckets = {b for b, _ in spend} | set(bucket.values())
    users_of = defaultdict(list)
    for u, b in bucket.items():
        users_of[b].append(u)
    for b in buckets:
        days = sorted(d for (bb, d) in spend if bb == b)
        amount = sum((spend[(b, d)] for d in days), Decimal(0))
        currency = (next(iter(cur[b])) if len(cur[b]) == 1 else ("mixed" if cur[b] else None))
        ev_days = {day_of(ev[i][1]) for i in range(len(ev)) if bucket[ev[i][0]] == b}
        missing = sum(1 for d in ev_days if first_day <= d <= last_day and (b, d) not in spend)
        n_rows = n_kept = n_q = 0
        for i, r in enumerate(ev):
            if bucket[r[0]] != b or (b, day_of(r[1])) not in spend:
                continue
            n_rows += 1
            if i in kept:
                n_kept += 1
                if any(r[1] < t <= r[1] + horizon_us for t in rev_times[r[0]]):
                    n_q += 1
        per_user = []
        for u in users_of[b]:
            per_user.append(sum(Decimal(str(r[5])) if r[5] is not None else Decimal(0)
                                for r in by_user[u] if (b, day_of(r[1])) in spend and r[5] is not None))
        revenue = sum(per_user, Decimal(0))
        n = len(per_user)
        sd = None
        if n > 1:
            mean = revenue / n
            sd = math.sqrt(float(sum((x - mean) ** 2 for x in per_user) / (n - 1)))
        ok_cost = currency != "mixed"
        roas = float(revenue / amount) if ok_cost and amount > 0 else None
        lo = hi = None
        if roas is not None and sd is not None:
            lo = (float(revenue) - 1.959963984540054 * sd * math.sqrt(n)) / float(amount)
            hi = (float(revenue) + 1.959963984540054 * sd * math.sqrt(n)) / float(amount)
        weekly = n_kept / (len(days) / 7.0) if days else None
        verdict = "no spend" if not days else ("ready" if weekly >= min_weekly else "too rare")
        out[b] = dict(currency=currency, spend=float(amount), days=len(days), missing=missing,
                      rows=n_rows, kept=n_kept, q=n_q,
                      cpe=float(amount / n_rows) if ok_cost and n_rows else None,
                      cpd=float(amount / n_kept) if ok_cost and n_kept else None,
                      cpq=float(amount / n_q) if ok_cost and n_q else None,
                      revenue=float(revenue), roas=roas, lo=lo, hi=hi, weekly=weekly, verdict=verdict)
    total = sum(v["spend"] for v in out.values())
    rare = sum(v["spend"] for v in out.values() if v["verdict"] == "too rare")
    for v in out.values():
        v["share"] = rare / total if total else None
    return out


def day_of(us):
    return EPOCH + datetime.timedelta(microseconds=us)


def same(got, want, tol):
    if want is None:
        return got is None
    if got is None:
        return False
    if isinstance(want, str):
        return got == want
    return close(got, want, 1e-9) or abs(got - want) <= tol


def main():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v", "scale=1",
                    "-f", "test/data/gen_warehouse.sql"], check=True, capture_output=True, text=True)
    psql("""
        CREATE TABLE lead_spend (day date, creative text, spend numeric, currency text);
        INSERT INTO lead_spend
        SELECT d::date, c.creative, 40.00, 'EUR'
          FROM generate_series('2025-01-01'::date, '2025-04-30', '1 day') d,
               (SELECT DISTINCT creative FROM shop.lead_events WHERE creative IS NOT NULL) c
         WHERE NOT (c.creative = 'roi_calculator' AND d BETWEEN '2025-02-01' AND '2025-02-10');
        INSERT INTO lead_spend VALUES ('2025-02-14', 'case_study_video', 15.50, 'EUR'),
                                      ('2025-03-01', 'webinar_promo_b', 12.00, 'USD'),
                                      ('2025-03-01', 'ghost_creative', 99.00, 'EUR')""")
    rows = [(u, int(t), ev, d if d != "" else None, i if i != "" else None, float(v) if v != "" else None)
            for u, t, ev, d, i, v in copy_out(
                "SELECT user_id::text, (extract(epoch FROM event_time) * 1000000)::bigint, event_name, "
                "creative, event_id, CASE WHEN value::float8 <> ALL ('{NaN,Infinity,-Infinity}') "
                "THEN value END FROM shop.lead_events WHERE user_id IS NOT NULL AND event_time IS NOT NULL "
                "AND isfinite(event_time)")]
    spend_rows = [(datetime.date.fromisoformat(d), c, Decimal(s), cur if cur != "" else None)
                  for d, c, s, cur in copy_out("SELECT day, creative, spend, currency FROM lead_spend")]
    cols = ["currency", "spend", "days", "missing", "rows", "kept", "q", "cpe", "cpd", "cpq", "revenue",
            "roas", "lo", "hi", "weekly", "verdict", "share"]
    results = {}
    for event, horizon_sql, horizon_us, min_weekly in (("lead_submitted", "90 days", 90 * DAY, 20),
                                                      ("qualified_lead", "30 days", 30 * DAY, 5)):
        want = model(rows, spend_rows, event, horizon_us, min_weekly)
        got = {}
        for r in psql(
                "SET extra_float_digits = 3; SELECT bucket, currency, spend, spend_days, missing_spend_days, "
                "event_rows, deduplicated_events, qualified_conversions, cost_per_event, "
                "cost_per_deduplicated_event, cost_per_qualified_conversion, revenue, roas, roas_low, "
                "roas_high, weekly_volume, verdict, too_rare_spend_share FROM cq.spend_report("
                f"'shop.lead_events', 'lead_spend', 'creative', '{event}', '{horizon_sql}', {min_weekly}, "
                "event_id_column => 'event_id', currency_column => 'currency')"):
            vals = {}
            for c, x in zip(cols, r[1:]):
                if x == "":
                    vals[c] = None
                elif c in ("currency", "verdict"):
                    vals[c] = x
                else:
                    vals[c] = float(x)
            got[r[0]] = vals
        name = f"{event} within {horizon_sql}"
        if not expect(f"{name}: buckets", set(got) == set(want), str(set(got) ^ set(want))):
            continue
        bad = []
        for b in want:
            for c in cols:
                tol = 5e-5 if c in ("cpe", "cpd", "cpq") else 1e-9
                if not same(got[b][c], want[b][c], tol):
                    bad.append((b, c, got[b][c], want[b][c]))
        expect(f"{name}: every figure as the model", not bad, str(bad[:4]))
        results[event] = got
        print(f"  {name}: {len(got)} buckets")
    got = results.get("lead_submitted", {})
    if got:
        named = {b: v for b, v in got.items() if v["cpe"] is not None}
        expect("planted: quiz_giveaway has the lowest cost per submitted lead",
               min(named, key=lambda b: named[b]["cpe"]) == "quiz_giveaway",
               {b: v["cpe"] for b, v in named.items()})
        withq = {b: v for b, v in got.items() if v["cpq"] is not None}
        expect("planted: ... and the highest cost per qualified conversion",
               max(withq, key=lambda b: withq[b]["cpq"]) == "quiz_giveaway",
               {b: v["cpq"] for b, v in withq.items()})
        expect("the missing spend days are reported (the ten unpaid days that had leads)",
               0 < got["roi_calculator"]["missing"] <= 10, got["roi_calculator"]["missing"])
        expect("a mixed currency has no costs", got["webinar_promo_b"]["currency"] == "mixed"
               and got["webinar_promo_b"]["cpe"] is None, got["webinar_promo_b"])
        expect("spend on a creative no one saw is reported", got["ghost_creative"]["spend"] == 99.0
               and got["ghost_creative"]["rows"] == 0, got["ghost_creative"])
    finish("check_spend")


if __name__ == "__main__":
    main()
