#!/usr/bin/python3
"""cq.breakdown against scipy, and planted truths.

1. The demo warehouse's lead-gen table (test/data/gen_warehouse.sql, seed 0.5, scale 0.25) by
   creative, and its web shop by landing page, each under the three rules.  For every bucket
   the users, converters, rates and revenue per user are recomputed here in Python from the
   rows (the rules as the README states them, written again), and the tests against the rest
   with scipy: p-values of scipy.stats.ttest_ind (pooled variances) on the per-user 0/1
   conversion and on revenue, Benjamini-Hochberg q-values (written here), and the minimum
   detectable difference (norm.ppf(0.975) + norm.ppf(0.8)) * pooled sd * sqrt(1/n + 1/n_rest).
   Tolerances: counts exact; rates, means, MDD 1e-9 relative; p and q 1e-7 relative (or
   1e-12 absolute).
2. Planted truths: quiz_giveaway (planted qualified-lead rate 8 % of submitters against 35 %)
   is the only creative of the lead table whose qualified-lead rate is significantly lower
   than the rest (q <= 0.05), and in a null table (buckets drawn independently of the outcome,
   seeded) no bucket has q <= 0.05.
"""
import math
import os
import random
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import close, copy_in, copy_out, expect, finish, psql  # noqa: E402

from scipy import stats  # noqa: E402

US = 1_000_000
DAY = 86400 * US
Z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)


def rows_of(table, dim, value):
    q = (f"SELECT user_id::text, (extract(epoch FROM event_time) * 1000000)::bigint, event_name, "
         f"{dim}::text, {value if value else 'NULL'}::float8 FROM {table} "
         f"WHERE user_id IS NOT NULL AND event_time IS NOT NULL AND isfinite(event_time)")
    out = []
    for u, t, ev, d, v in copy_out(q):
        fv = float(v) if v != "" else None
        if fv is not None and not math.isfinite(fv):
            fv = None
        out.append((u, int(t), ev, d if d != "" else None, fv))
    return out


def model(rows, rule, step, conv_event, horizon_us):
    """{bucket: [(y, revenue) per user]} by the README's rules."""
    by_user = defaultdict(list)
    for r in rows:
        by_user[r[0]].append(r)
    out = defaultdict(list)
    for u, rs in by_user.items():
        def is_conv(r):
            return r[2] == conv_event if conv_event is not None else (r[4] is not None and r[4] > 0)
        first_t = min(r[1] for r in rs)
        cands = [r for r in rs if r[3] is not None]
        if rule == "entry":
            cands.sort(key=lambda r: (r[1], r[3].encode()))
            pick = cands[0] if cands else None
        elif rule == "step":
            cands = sorted((r for r in cands if r[2] == step), key=lambda r: (r[1], r[3].encode()))
            pick = cands[0] if cands else None
        else:
            convs = [r[1] for r in rs if is_conv(r)]
            c = min(convs) if convs else None
            cands = [r for r in cands if c is None or r[1] <= c]
            cands.sort(key=lambda r: (r[1], r[3].encode()), reverse=True)
            pick = cands[0] if cands else None
        b, a = (pick[3], pick[1]) if pick else (None, first_t)
        win = [r for r in rs if a <= r[1] <= a + horizon_us]
        y = 1.0 if any(is_conv(r) for r in win) else 0.0
        rev = sum(r[4] for r in win if r[4] is not None)
        out[b].append((y, rev))
    return out


def bh(ps):
    idx = [i for i, p in enumerate(ps) if p is not None]
    m = len(idx)
    q = [None] * len(ps)
    order = sorted(idx, key=lambda i: (ps[i], i))
    running = 1.0
    for k in range(m, 0, -1):
        i = order[k - 1]
        running = min(running, ps[i] * m / k)
        q[i] = min(1.0, running)
    return q


def same(got, want, rel):
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got is not None and (close(got, want, rel) or abs(got - want) < 1e-12)


def check(label, table, dim, rule, step, conv_event, value, horizon_sql, horizon_us):
    got = psql(
        f"SET extra_float_digits = 3; SELECT coalesce(bucket, '<null>'), users, converters, "
        f"conversion_rate, rest_conversion_rate, conversion_p_value, conversion_q_value, "
        f"conversion_mdd, revenue_per_user, rest_revenue_per_user, revenue_p_value, "
        f"revenue_q_value, revenue_mdd FROM cq.breakdown('{table}', '{dim}', '{rule}', "
        f"{('$$' + step + '$$') if step else 'NULL'}, "
        f"{('$$' + conv_event + '$$') if conv_event else 'NULL'}, '{horizon_sql}', 100, "
        f"value_column => {('$$' + value + '$$') if value else 'NULL'})")
    got = {r[0] if r[0] != "<null>" else None:
           [None if x == "" else float(x) for x in r[1:]] for r in got}
    want = model(rows_of(table, dim, value), rule, step, conv_event, horizon_us)
    name = f"{label} {rule}"
    if not expect(f"{name}: buckets", set(got) == set(want), f"{set(got) ^ set(want)}"):
        return None
    keys = sorted(want, key=lambda b: (b is None, (b or "").encode()))
    ref = {}
    for b in keys:
        ys = [y for y, _ in want[b]]
        rs = [r for _, r in want[b]]
        oy = [y for c in keys if c != b for y, _ in want[c]]
        orv = [r for c in keys if c != b for _, r in want[c]]
        n, rn = len(ys), len(oy)
        cp = rp = cm = rm = None
        if rn > 0 and n + rn > 2:
            cp = stats.ttest_ind(ys, oy, equal_var=True).pvalue if (
                len(set(ys + oy)) > 1) else None
            rp = stats.ttest_ind(rs, orv, equal_var=True).pvalue if len(set(rs + orv)) > 1 else None
            sp_c = (sum((y - sum(ys) / n) ** 2 for y in ys) + sum((y - sum(oy) / rn) ** 2 for y in oy)) / (n + rn - 2)
            sp_r = (sum((y - sum(rs) / n) ** 2 for y in rs) + sum((y - sum(orv) / rn) ** 2 for y in orv)) / (n + rn - 2)
            cm = Z * math.sqrt(sp_c * (1 / n + 1 / rn))
            rm = Z * math.sqrt(sp_r * (1 / n + 1 / rn))
            if cp is not None and math.isnan(cp):
                cp = None
            if rp is not None and math.isnan(rp):
                rp = None
        ref[b] = [n, sum(ys), sum(ys) / n, (sum(oy) / rn) if rn else None, cp, None, cm,
                  sum(rs) / n if value else None, (sum(orv) / rn if rn else None) if value else None,
                  rp if value else None, None, rm if value else None]
    cq = bh([ref[b][4] for b in keys])
    rq = bh([ref[b][9] for b in keys]) if value else [None] * len(keys)
    for b, q1, q2 in zip(keys, cq, rq):
        ref[b][5] = q1
        ref[b][10] = q2
    cols = ["users", "converters", "conversion_rate", "rest_conversion_rate", "conversion_p",
            "conversion_q", "conversion_mdd", "revenue_per_user", "rest_revenue", "revenue_p",
            "revenue_q", "revenue_mdd"]
    bad = []
    for b in keys:
        for c, g, w in zip(cols, got[b], ref[b]):
            rel = 1e-7 if c.endswith(("_p", "_q")) else 1e-9
            if not same(g, w, rel):
                bad.append((b, c, g, w))
    expect(f"{name}: every figure as scipy", not bad, str(bad[:4]))
    return got


def main():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v", "scale=0.25",
                    "-f", "test/data/gen_warehouse.sql"], check=True, capture_output=True, text=True)
    for rule in ("entry", "step", "last_touch"):
        check("leads by creative", "shop.lead_events", "creative", rule, "ad_click",
              "qualified_lead", "value", "60 days", 60 * DAY)
        check("web by landing page", "shop.web_events", "landing_page", rule, "ad_click",
              None, "value", "30 days", 30 * DAY)

    # planted truth: quiz_giveaway's leads rarely qualify
    got = check("leads planted", "shop.lead_events", "creative", "entry", None, "qualified_lead",
                None, "60 days", 60 * DAY)
    if got:
        low = [b for b, r in got.items() if r[5] is not None and r[5] <= 0.05 and r[2] < r[3]]
        expect("planted: quiz_giveaway is the one significantly worse creative", low == ["quiz_giveaway"],
               str(low))
    # planted nothing: buckets independent of the outcome
    rng = random.Random(7)
    psql("DROP TABLE IF EXISTS null_ev; CREATE TABLE null_ev (user_id int, event_time timestamptz, "
         "event_name text, bucket text, value float8)")
    rows = []
    for u in range(1, 6001):
        b = rng.choice(["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"])
        rows.append((u, "2024-01-01 00:00:00+00", "click", b, 0))
        if rng.random() < 0.1:
            rows.append((u, "2024-01-05 00:00:00+00", "buy", None, round(rng.expovariate(1 / 80), 2)))
    copy_in("null_ev", rows)
    got = check("null table", "null_ev", "bucket", "entry", None, "buy", "value", "30 days", 30 * DAY)
    if got:
        sig = [b for b, r in got.items() if (r[5] is not None and r[5] <= 0.05)
               or (r[10] is not None and r[10] <= 0.05)]
        expect("planted nothing: no bucket of the null table is significant", not sig, str(sig))
    finish("check_breakdown")


if __name__ == "__main__":
    main()
