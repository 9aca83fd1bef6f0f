#!/usr/bin/python3
"""cq.tracking_health, recomputed independently in Python from the rows of the source tables.

Data: test/data/gen_warehouse.sql at seed 0.5, scale 0.3 (shop.web_events, app_events,
lead_events with its planted defects), plus faults planted here into shop.web_events under event
names of their own (zz_*), so that every figure of the view meets a case with a known answer:

- zz_burst: one user, 5 rows 2 s, 2 s, 11 s and exactly 10 s apart (distinct ids): 3 bursts;
- zz_twousers: one id given to two users; zz_twovalues: one id with values 10 and 12 within
  48 h; zz_threedays: one id on two events 3 days apart (reused on the first day only);
- zz_window: one id at T, T + 48 h exactly (a copy: inclusive), T + 48 h + 1 s (kept, a new
  window, and a burst after the copy 1 s before it), T + 60 h (a copy of the new window);
- zz_channels: channels sdk, capi, ' Server ', PIXEL, web, app, 'carrier pigeon' and NULL, ids
  NULL, '', ' \\t ' and U+3000 (blank), so the three shares are 3/8, 4/8, 1/8;
- zz_inf: event_time infinity and -infinity (received_at NULL, see below) sharing an id with a
  finite row; zz_nan: values NaN and Infinity (rows never deduplicated), an id with NaN and 5;
- zz_lag: lags of 25 h, 8 days, exactly 24 h, -2 h (a future stamp), exactly -1 h (not one),
  NULL received_at, and a NULL-received row in 2030 (future against the refresh time);
- zz_crossday: a copy past midnight, alone on its day (shares NULL there, 0 events);
- zz_nulls: rows with NULL user, time or event name, which are not counted.

Every table is registered with all optional columns (web, app, leads) and shop.web_events once
more as web_bare with only the user, time and event columns; one cq.refresh() writes them all.
Then, per source, the set of (day, event_name) keys of the view must equal the recomputed one,
and every column must agree on every row (integers exactly, floats within 1e-9 relative; NULL
where the recomputation says None: web_bare has NULL duplicate/missing-id rates, shares,
reused ids, late/stale counts, lag percentiles and channels, which is also asserted on its own).
The definitions recomputed are those of the specification of the view (UTC days; copies within
48 h of the kept row of the same event name and non-blank id; rows at +-infinity or with a
non-finite revenue never deduplicated; reused ids by users, distinct values or kept rows; bursts
within 10 s of the previous row of the user and event name; future stamps one hour past the
arrival or the refresh; percentile_cont of the lags).  The planted cases are also checked
against their hand-derived values, which validates the recomputation itself.

Days at +-infinity: compared like any other row, under the labels 'infinity' / '-infinity'.

Ties: the generator's server retries repeat their original's event_time exactly, so a (user,
event name) can hold several rows at the same instant, whose order (by time) is undefined.  That
order decides burst_events only (a kept row ordered after its tied copy follows it by 0 s); the
other figures do not depend on it.  burst_events is therefore checked to lie in the range that
the possible tie orders give (exactly equal wherever there is no tie, which is most cells).

Infinite lags: an event_time at +-infinity with a received_at gives an infinite lag.  Such rows
are kept out of shop.web_events (they have received_at NULL there) and put in a separate table
registered as web_inf and refreshed alone; that refresh must succeed and its rows must agree
like the others, except the two lag percentiles of a cell with an infinite lag, which are not
compared (infinite or NaN depending on the implementation).
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
HOUR = 3600 * US
DAY = 24 * HOUR
INF = float("inf")
EPOCH = datetime.date(1970, 1, 1)

BROWSER = {"browser", "pixel", "web", "app", "sdk", "client"}
SERVER = {"server", "capi", "eapi", "events_api", "api", "s2s", "server_api"}

INT_COLS = ["rows", "events", "users", "reused_ids", "burst_events", "future_events",
            "late_events", "stale_events", "channels"]
FLOAT_COLS = ["duplicate_rate", "missing_id_rate", "server_share", "browser_share", "both_share",
              "median_lag_seconds", "p95_lag_seconds"]
VIEW_COLS = ["rows", "events", "users", "duplicate_rate", "missing_id_rate", "server_share",
             "browser_share", "both_share", "reused_ids", "burst_events", "future_events",
             "late_events", "stale_events", "median_lag_seconds", "p95_lag_seconds", "channels"]
OPTIONAL = {"id": ["duplicate_rate", "missing_id_rate", "reused_ids"],
            "src": ["server_share", "browser_share", "both_share", "channels"],
            "recv": ["late_events", "stale_events", "median_lag_seconds", "p95_lag_seconds"]}

FULL = dict(value=True, id=True, src=True, recv=True)
BARE = dict(value=False, id=False, src=False, recv=False)
SOURCES = [("web", "shop.web_events", FULL), ("app", "shop.app_events", FULL),
           ("leads", "shop.lead_events", FULL), ("web_bare", "shop.web_events", BARE)]


# ---------------------------------------------------------------------------------------------
# Planted faults
# ---------------------------------------------------------------------------------------------
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")


def sec(n):
    return datetime.timedelta(seconds=n)


def lit(x):
    if x is None:
        return "NULL"
    if isinstance(x, datetime.datetime):
        return "'" + x.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00'"
    if isinstance(x, (int, float)):
        return repr(x)
    return "'" + str(x).replace("'", "''") + "'"


def planted_rows():
    """(event_id, user_id, event_time, received_at, event_name, value, channel)."""
    u = 9_000_000
    rows = []
    t0 = ts("2025-07-01 10:00:00")
    for k, off in enumerate([0, 2, 4, 15, 25]):
        rows.append((f"zb-{k}", u + 1, t0 + sec(off), t0 + sec(off + 5), "zz_burst", 0, "pixel"))
    t = ts("2025-07-02 09:00:00")
    rows += [("shared-1", u + 2, t, t + sec(10), "zz_twousers", 0, "server"),
             ("shared-1", u + 3, t + sec(3 * 3600), t + sec(3 * 3600 + 10), "zz_twousers", 0,
              "server")]
    t = ts("2025-07-03 08:00:00")
    rows += [("val-1", u + 4, t, t + sec(5), "zz_twovalues", 10, "pixel"),
             ("val-1", u + 4, t + sec(12 * 3600), t + sec(12 * 3600 + 60), "zz_twovalues", 12,
              "server")]
    rows += [("far-1", u + 5, ts("2025-07-04 08:00:00"), ts("2025-07-04 08:00:05"),
              "zz_threedays", 0, "pixel"),
             ("far-1", u + 5, ts("2025-07-07 08:00:00"), ts("2025-07-07 08:00:05"),
              "zz_threedays", 0, "pixel")]
    t = ts("2025-07-08 00:00:00")
    for off in [0, 48 * 3600, 48 * 3600 + 1, 60 * 3600]:
        rows.append(("win-1", u + 5, t + sec(off), t + sec(off + 1), "zz_window", 0, "pixel"))
    for eid, hm, ch in [("ch-1", "10:00", "sdk"), ("ch-1", "10:01", "capi"),
                        ("ch-2", "11:00", "carrier pigeon"), ("ch-3", "12:00", " Server "),
                        ("ch-4", "13:00", "PIXEL"), ("ch-4", "13:05", "carrier pigeon"),
                        (None, "14:00", None), ("", "15:00", "capi"), (" \t ", "16:00", "web"),
                        ("\u3000", "17:00", "app")]:
        t = ts(f"2025-07-12 {hm}:00")
        rows.append((eid, u + 6, t, t + sec(30), "zz_channels", None, ch))
    rows += [("inf-1", u + 7, ts("2025-07-14 10:00:00"), ts("2025-07-14 10:00:05"), "zz_inf", 1,
              "pixel"),
             ("inf-1", u + 7, "infinity", None, "zz_inf", 1, "pixel"),
             ("inf-2", u + 7, "-infinity", None, "zz_inf", 1, "server")]
    for eid, hm, v, ch in [("nan-1", "10:00", "NaN", "pixel"), ("nan-1", "10:30", 5, "server"),
                           ("nan-3", "11:00", 0, "pixel"), ("nan-3", "11:30", 0, "server"),
                           ("nan-2", "12:00", "Infinity", "server"),
                           ("nan-4", "12:30", "NaN", "pixel"), ("nan-4", "13:00", "NaN", "server")]:
        t = ts(f"2025-07-15 {hm}:00")
        rows.append((eid, u + 8, t, t + sec(20), "zz_nan", v, ch))
    for k, (h, lag) in enumerate([(1, 25 * 3600), (2, 8 * 86400), (3, 24 * 3600), (4, -7200),
                                  (5, -3600), (6, None)]):
        t = ts(f"2025-07-16 {h:02d}:00:00")
        rows.append((f"lag-{k}", u + 9, t, None if lag is None else t + sec(lag), "zz_lag", 0,
                     "pixel"))
    rows.append(("lag-9", u + 9, ts("2030-01-01 00:00:00"), None, "zz_lag", 0, "pixel"))
    rows += [("x-1", u + 10, ts("2025-07-17 23:59:00"), ts("2025-07-17 23:59:05"), "zz_crossday",
              0, "pixel"),
             ("x-1", u + 10, ts("2025-07-18 00:01:00"), ts("2025-07-18 00:02:00"), "zz_crossday",
              0, "server")]
    t = ts("2025-07-19 10:00:00")
    rows += [("n-1", None, t, t + sec(5), "zz_nulls", 0, "pixel"),
             ("n-2", u + 11, None, t + sec(5), "zz_nulls", 0, "pixel"),
             ("n-3", u + 11, t, t + sec(5), None, 0, "pixel"),
             ("n-4", u + 11, t + sec(7200), t + sec(7205), "zz_nulls", 0, "pixel")]
    return rows


def insert_sql(table, rows):
    vals = ",\n".join("(" + ", ".join(lit(x) for x in r) + ")" for r in rows)
    return (f"INSERT INTO {table} (event_id, user_id, event_time, received_at, event_name, value, "
            f"channel) VALUES\n{vals}")


# Hand-derived answers for the planted cells of source web (None: NULL), and of web_bare.
Z = dict(duplicate_rate=0.0, missing_id_rate=0.0, reused_ids=0, burst_events=0, late_events=0,
         stale_events=0)
TRUTH = {
    "web": {
        ("2025-07-01", "zz_burst"): dict(Z, rows=5, events=5, users=1, server_share=0.0,
                                         browser_share=1.0, both_share=0.0, burst_events=3,
                                         future_events=0, median_lag_seconds=5.0,
                                         p95_lag_seconds=5.0, channels=1),
        ("2025-07-02", "zz_twousers"): dict(Z, rows=2, events=1, users=2, duplicate_rate=0.5,
                                            reused_ids=1, server_share=1.0, browser_share=0.0,
                                            both_share=0.0, channels=1),
        ("2025-07-03", "zz_twovalues"): dict(Z, rows=2, events=1, users=1, duplicate_rate=0.5,
                                             reused_ids=1, server_share=1.0, browser_share=1.0,
                                             both_share=1.0, channels=2),
        ("2025-07-04", "zz_threedays"): dict(Z, rows=1, events=1, reused_ids=1),
        ("2025-07-07", "zz_threedays"): dict(Z, rows=1, events=1, reused_ids=0),
        ("2025-07-08", "zz_window"): dict(Z, rows=1, events=1, reused_ids=1),
        ("2025-07-10", "zz_window"): dict(Z, rows=3, events=1, duplicate_rate=2 / 3,
                                          reused_ids=0, burst_events=1),
        ("2025-07-12", "zz_channels"): dict(Z, rows=10, events=8, users=1, duplicate_rate=0.2,
                                            missing_id_rate=0.4, server_share=3 / 8,
                                            browser_share=4 / 8, both_share=1 / 8, channels=7,
                                            median_lag_seconds=30.0, p95_lag_seconds=30.0),
        ("2025-07-14", "zz_inf"): dict(Z, rows=1, events=1, reused_ids=1, future_events=0,
                                       median_lag_seconds=5.0),
        ("infinity", "zz_inf"): dict(Z, rows=1, events=1, future_events=1,
                                     median_lag_seconds=None, p95_lag_seconds=None),
        ("-infinity", "zz_inf"): dict(Z, rows=1, events=1, future_events=0,
                                      median_lag_seconds=None),
        ("2025-07-15", "zz_nan"): dict(Z, rows=7, events=6, duplicate_rate=1 / 7, reused_ids=2,
                                       server_share=4 / 6, browser_share=3 / 6, both_share=1 / 6,
                                       channels=2),
        ("2025-07-16", "zz_lag"): dict(Z, rows=6, events=6, late_events=2, stale_events=1,
                                       future_events=1, median_lag_seconds=86400.0,
                                       p95_lag_seconds=570960.0),
        ("2030-01-01", "zz_lag"): dict(Z, rows=1, future_events=1, median_lag_seconds=None,
                                       p95_lag_seconds=None),
        ("2025-07-17", "zz_crossday"): dict(Z, rows=1, events=1, both_share=1.0),
        ("2025-07-18", "zz_crossday"): dict(Z, rows=1, events=0, duplicate_rate=1.0,
                                            server_share=None, browser_share=None,
                                            both_share=None),
        ("2025-07-19", "zz_nulls"): dict(rows=1, events=1, users=1),
    },
    "web_bare": {
        ("2025-07-01", "zz_burst"): dict(rows=5, events=5, burst_events=3, duplicate_rate=None,
                                         reused_ids=None, channels=None, late_events=None),
        ("2025-07-10", "zz_window"): dict(rows=3, events=3, burst_events=1),
        ("2025-07-18", "zz_crossday"): dict(rows=1, events=1, server_share=None),
        ("2025-07-16", "zz_lag"): dict(rows=6, future_events=0, median_lag_seconds=None),
        ("2030-01-01", "zz_lag"): dict(rows=1, future_events=1),
    },
}


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def epoch_us(s):
    if s == "":
        return None
    if s == "Infinity":
        return INF
    if s == "-Infinity":
        return -INF
    return int((Decimal(s) * US).to_integral_exact())


def read_table(table):
    """Every row: (user, t, a, event, value, id, channel), NULL as None, times in UTC µs."""
    out = []
    for r in copy_out(
            "SELECT user_id, extract(epoch FROM event_time), extract(epoch FROM received_at), "
            "event_name IS NULL, event_name, value, event_id IS NULL, event_id, "
            f"channel IS NULL, channel FROM {table}"):
        u, t, a, ev_null, ev, v, id_null, eid, ch_null, ch = r
        out.append((None if u == "" else int(u), epoch_us(t), epoch_us(a),
                    None if ev_null == "t" else ev, None if v == "" else float(v),
                    None if id_null == "t" else eid, None if ch_null == "t" else ch))
    return out


def day_index(t):
    return t if isinstance(t, float) else t // DAY   # +-inf stays +-inf


def day_label(d):
    if d == INF:
        return "infinity"
    if d == -INF:
        return "-infinity"
    return (EPOCH + datetime.timedelta(days=d)).isoformat()


def read_view(source=None):
    where = "" if source is None else f" WHERE source = '{source}'"
    got = defaultdict(dict)
    for r in copy_out(
            "SELECT source, CASE WHEN isfinite(day) THEN to_char(day, 'YYYY-MM-DD') "
            "ELSE day::text END, event_name, " + ", ".join(VIEW_COLS) +
            ", extract(epoch FROM refreshed_at) FROM cq.tracking_health" + where):
        src, day, ev = r[:3]
        row = {}
        for c, s in zip(VIEW_COLS, r[3:-1]):
            row[c] = None if s == "" else (int(s) if c in INT_COLS else float(s))
        row["refreshed_at"] = epoch_us(r[-1])
        if row.get("rows") == 0:
            continue        # a day an event stopped arriving (volume anomaly), checked apart
        got[src][(day, ev)] = row
    return got


# ---------------------------------------------------------------------------------------------
# The recomputation
# ---------------------------------------------------------------------------------------------
def channel_kind(ch):
    if ch is None:
        return None
    c = ch.strip().lower()
    return "browser" if c in BROWSER else "server" if c in SERVER else None


def isfinite(x):
    return not isinstance(x, float) or math.isfinite(x)


def percentile_cont(sorted_vals, p):
    """PostgreSQL's percentile_cont over float8 (linear interpolation between closest ranks)."""
    pos = p * (len(sorted_vals) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    if lo == hi:
        return sorted_vals[lo]
    a, b = sorted_vals[lo], sorted_vals[hi]
    return a + (pos - lo) * (b - a)


def recompute(raw, cols, now_us):
    """Expected rows of cq.tracking_health for one source: {(day, event): {column: value}}.

    burst_events is a (low, high) pair (ties in time, see the docstring); "skip_pct" marks cells
    with an infinite lag."""
    rows = []
    for u, t, a, ev, v, eid, ch in raw:
        if u is None or t is None or ev is None:
            continue
        rows.append((u, t, a if cols["recv"] else None, ev, v if cols["value"] else None,
                     eid if cols["id"] else None, ch if cols["src"] else None))
    n = len(rows)
    ok, key = [], []
    for u, t, a, ev, v, eid, ch in rows:
        r = v if v is not None and v != 0 else None
        ok.append(isfinite(t) and (r is None or math.isfinite(r)))
        key.append((ev, eid) if cols["id"] and eid is not None and eid.strip() != "" else None)

    # copies: per key, among ok rows by time; head = the kept row of each row's event
    copy = [False] * n
    head = list(range(n))
    groups = defaultdict(list)
    for i in range(n):
        if key[i] is not None and ok[i]:
            groups[key[i]].append(i)
    for idx in groups.values():
        idx.sort(key=lambda i: rows[i][1])
        kept = None
        for i in idx:
            if kept is not None and rows[i][1] <= rows[kept][1] + 48 * HOUR:
                copy[i] = True
                head[i] = kept
            else:
                kept = i

    day = [day_index(r[1]) for r in rows]
    cell = [(day[i], rows[i][3]) for i in range(n)]
    acc = defaultdict(lambda: dict(rows=0, events=0, users=set(), copies=0, blank=0, lo=0, hi=0,
                                   future=0, late=0, stale=0, lags=[], channels=set(), cov=0,
                                   server=0, browser=0, both=0, reused=0))
    for i, (u, t, a, ev, v, eid, ch) in enumerate(rows):
        c = acc[cell[i]]
        c["rows"] += 1
        c["events"] += not copy[i]
        c["users"].add(u)
        c["copies"] += copy[i]
        c["blank"] += cols["id"] and key[i] is None
        c["future"] += t > (a if a is not None else now_us) + HOUR
        if a is not None:
            lag = a - t
            c["late"] += lag > 24 * HOUR
            c["stale"] += lag > 7 * DAY
            c["lags"].append(lag / US)
        if ch is not None:
            c["channels"].add(ch)

    # coverage, on the cell of the kept row
    kinds = defaultdict(set)
    for i in range(n):
        kinds[head[i]].add(channel_kind(rows[i][6]))
    for i in range(n):
        if not copy[i]:
            c = acc[cell[i]]
            c["cov"] += 1
            c["server"] += "server" in kinds[i]
            c["browser"] += "browser" in kinds[i]
            c["both"] += "server" in kinds[i] and "browser" in kinds[i]

    # reused ids: every row with a key, ok or not, counted on the earliest day of the id
    ids = defaultdict(lambda: dict(users=set(), values=set(), kept=0, day=INF))
    for i in range(n):
        if key[i] is None:
            continue
        d = ids[key[i]]
        d["users"].add(rows[i][0])
        v = rows[i][4]
        if v is not None:
            d["values"].add("NaN" if math.isnan(v) else v)   # SQL: NaN equals NaN
        d["kept"] += not copy[i]
        d["day"] = min(d["day"], day[i])
    for (ev, _), d in ids.items():
        if len(d["users"]) > 1 or len(d["values"]) > 1 or d["kept"] > 1:
            acc[(d["day"], ev)]["reused"] += 1

    # bursts: previous row of the user and event by time; rows at the same instant in any order
    by_user = defaultdict(list)
    for i in range(n):
        by_user[(rows[i][0], rows[i][3])].append(i)
    for idx in by_user.values():
        idx.sort(key=lambda i: rows[i][1])
        prev = None                             # time of the latest row strictly earlier
        k = 0
        while k < len(idx):
            t = rows[idx[k]][1]
            tie = [i for i in idx[k:] if rows[i][1] == t]
            k += len(tie)
            j = sum(not copy[i] for i in tie)
            if prev is not None and prev >= t - 10 * US:
                lo = hi = j
            elif len(tie) == 1:
                lo = hi = 0
            else:       # the first of the tie follows `prev`, the others follow the tie
                lo = max(j - 1, 0)
                hi = j if j < len(tie) else j - 1
            c = acc[cell[tie[0]]]
            c["lo"] += lo
            c["hi"] += hi
            prev = t

    want = {}
    for (d, ev), c in acc.items():
        if c["rows"] == 0:
            continue
        lags = sorted(c["lags"])
        has_lag = cols["recv"] and len(lags) > 0
        cov = cols["src"] and c["cov"] > 0
        want[(day_label(d), ev)] = {
            "rows": c["rows"], "events": c["events"], "users": len(c["users"]),
            "duplicate_rate": c["copies"] / c["rows"] if cols["id"] else None,
            "missing_id_rate": c["blank"] / c["rows"] if cols["id"] else None,
            "server_share": c["server"] / c["cov"] if cov else None,
            "browser_share": c["browser"] / c["cov"] if cov else None,
            "both_share": c["both"] / c["cov"] if cov else None,
            "reused_ids": c["reused"] if cols["id"] else None,
            "burst_events": (c["lo"], c["hi"]),
            "future_events": c["future"],
            "late_events": c["late"] if cols["recv"] else None,
            "stale_events": c["stale"] if cols["recv"] else None,
            "median_lag_seconds": percentile_cont(lags, 0.5) if has_lag else None,
            "p95_lag_seconds": percentile_cont(lags, 0.95) if has_lag else None,
            "channels": len(c["channels"]) if cols["src"] else None,
            "skip_pct": any(not math.isfinite(x) for x in lags),
        }
    return want


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------
def same(col, got, want):
    if col == "burst_events":
        return got is not None and want[0] <= got <= want[1]
    if got is None or want is None:
        return got is None and want is None
    if col in INT_COLS:
        return got == want
    return got == want or close(got, want, 1e-9)


def compare(source, got, want):
    gk, wk = set(got), set(want)
    expect(f"{source}.keys", gk == wk,
           f"only in view: {sorted(gk - wk)[:5]}, only recomputed: {sorted(wk - gk)[:5]} "
           f"({len(gk)} vs {len(wk)} rows)")
    common = sorted(gk & wk)
    for col in VIEW_COLS:
        bad = []
        for k in common:
            if col in ("median_lag_seconds", "p95_lag_seconds") and want[k]["skip_pct"]:
                continue
            if not same(col, got[k][col], want[k][col]):
                bad.append(f"{k}: got {got[k][col]!r}, want {want[k][col]!r}")
        expect(f"{source}.{col}", not bad, f"{len(bad)} of {len(common)} rows differ: "
               + "; ".join(bad[:5]))
    ties = sum(1 for k in common if want[k]["burst_events"][0] != want[k]["burst_events"][1])
    print(f"  {source}: {len(common)} rows compared, burst_events bounded by time ties in {ties}")


def check_truth(source, want):
    for k, cols in TRUTH[source].items():
        w = want.get(k)
        if w is None:
            expect(f"truth.{source}.{k[1]}.{k[0]}", False, "cell missing from the recomputation")
            continue
        for col, v in cols.items():
            got = w[col]
            if col == "burst_events":
                ok = got == (v, v)
            else:
                ok = same(col, got, v)
            expect(f"truth.{source}.{k[1]}.{k[0]}.{col}", ok, f"recomputed {got!r}, planted {v!r}")


def register(name, table, cols):
    opt = []
    if cols["value"]:
        opt.append("value_column => 'value'")
    if cols["id"]:
        opt.append("event_id_column => 'event_id'")
    if cols["src"]:
        opt.append("source_column => 'channel'")
    if cols["recv"]:
        opt.append("received_at_column => 'received_at'")
    psql(f"SELECT cq.register_source('{name}', '{table}', 'user_id', 'event_time', 'event_name'"
         + "".join(", " + o for o in opt) + ")")


def main():
    gen = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.5", "-v",
                          "scale=0.3", "-f", "test/data/gen_warehouse.sql"],
                         capture_output=True, text=True)
    if not expect("generate", gen.returncode == 0, gen.stderr[-2000:]):
        finish("check_tracking_health")
    psql(insert_sql("shop.web_events", planted_rows()))

    for name, table, cols in SOURCES:
        register(name, table, cols)
    done = psql("SET client_min_messages = warning; SELECT * FROM cq.refresh()")
    expect("refresh.sources", sorted(r[0] for r in done) == sorted(s[0] for s in SOURCES), done)

    got = read_view()
    tables = {}
    for name, table, cols in SOURCES:
        if table not in tables:
            tables[table] = read_table(table)
        stamps = {r["refreshed_at"] for r in got[name].values()}
        if not expect(f"{name}.refreshed_at", len(stamps) == 1, stamps):
            continue
        want = recompute(tables[table], cols, stamps.pop())
        if name in TRUTH:
            check_truth(name, want)
        compare(name, got[name], want)

    # the figures of the optional columns are NULL without those columns
    nulls = [c for cs in OPTIONAL.values() for c in cs]
    bare = got["web_bare"]
    expect("web_bare.optional_null", bare and all(r[c] is None for r in bare.values() for c in nulls),
           [(k, {c: r[c] for c in nulls if r[c] is not None}) for k, r in bare.items()
            if any(r[c] is not None for c in nulls)][:3])
    expect("web_bare.events_eq_rows", all(r["events"] == r["rows"] for r in bare.values()))
    full = got["web"]
    expect("web.optional_filled", all(full[k][c] is not None for k in full
                                      for c in OPTIONAL["id"] + ["channels"]))

    # infinite lags: event_time at +-infinity with a received_at, in a source of their own
    u = 9_000_100
    t = ts("2025-07-20 10:00:00")
    psql("CREATE TABLE shop.web_inf_events (LIKE shop.web_events); " + insert_sql(
        "shop.web_inf_events",
        [("i-1", u, t, t + sec(5), "zz_inf_lag", 1, "pixel"),
         ("i-1", u, "infinity", t + sec(10), "zz_inf_lag", 1, "server"),
         ("i-2", u, "-infinity", t + sec(3600), "zz_inf_lag", 0, "pixel"),
         ("i-3", u, t + sec(3600), t + sec(3700), "zz_inf_lag", 0, "server")]))
    register("web_inf", "shop.web_inf_events", FULL)
    ref = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                          "SET client_min_messages = warning; "
                          "SELECT * FROM cq.refresh('web_inf')"], capture_output=True, text=True)
    if expect("web_inf.refresh_with_infinite_lag", ref.returncode == 0,
              "cq.refresh('web_inf') failed on a row with event_time = infinity and a received_at: "
              + (ref.stderr.strip().splitlines() or [""])[0]):
        g = read_view("web_inf")["web_inf"]
        stamps = {r["refreshed_at"] for r in g.values()}
        want = recompute(read_table("shop.web_inf_events"), FULL, min(stamps))
        compare("web_inf", g, want)

    # rows of 0 are the days an event stopped arriving: always flagged, with a band above 0
    bad = psql("SELECT count(*) FROM cq.tracking_health WHERE rows = 0 "
               "AND NOT (volume_anomaly AND expected_low >= 1)")[0][0]
    expect("zero_rows_are_anomalies", bad == "0", bad)

    finish("check_tracking_health")


main()
