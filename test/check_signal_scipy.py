#!/usr/bin/python3
"""cq.event_signal and its accessors against scipy / sklearn, to 1e-9 relative.

Data: the bundled UCI Online Retail file (row level, with refunds, and per customer) and
generated data (zero-inflated log-normal revenue, tiny groups, constant values).  Every
dataset is summarized three ways, each compared with the references:
  serial    max_parallel_workers_per_gather = 0
  parallel  forced parallel plan, EXPLAIN must show "Partial Aggregate"
  rollup    cq.signal_rollup over per-bucket summaries
and the summary must survive text output -> input and binary send -> recv bit for bit.
"""
import os
import sys

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import check, copy_in, copy_out, expect, finish, num, psql, psql_file  # noqa: E402
from signal_reference import REPORT_COLS, reference  # noqa: E402

SERIAL = "SET max_parallel_workers_per_gather = 0;"
PARALLEL = ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;")


def report_sql(summary_sql):
    cols = ", ".join(f'r."{c}"' for c in REPORT_COLS)
    return f"SELECT {cols}, s::text FROM ({summary_sql}) q(s), cq.signal_report(q.s) r"


def compare(label, row, ref):
    """Every column against the reference.  p-values get two checks:
    - strict (1e-9): scipy's own distribution function (the one pearsonr / ttest_ind use),
      evaluated at the statistic the extension computed;
    - end to end against pearsonr / ttest_ind on the raw data, to 1e-9 + t^2 * 1e-12: a
      p-value amplifies a relative difference in its statistic by about t^2 (d ln p / d t ~ -t),
      and two correct summation orders differ in the 12th digit of r or t (on gen_revenue,
      exact rational arithmetic puts the extension's r within 6e-15 and scipy's within 2e-11)."""
    got = dict(zip(REPORT_COLS, (num(x) for x in row)))
    for c in REPORT_COLS:
        if c in ("p_value", "log_p_value"):
            continue
        check(f"{label}.{c}", got[c], ref[c])
    r, n = got["correlation"], got["n"]
    if r is not None and n > 2 and abs(r) < 1:
        ab = n / 2 - 1
        strict = 2 * stats.beta(ab, ab, loc=-1, scale=2).sf(abs(r))
        check(f"{label}.p_value(strict)", got["p_value"], float(strict))
        t2 = (n - 2) * r * r / (1 - r * r)
        check(f"{label}.p_value", got["p_value"], ref["p_value"], rel=1e-9 + t2 * 1e-12)
    else:
        check(f"{label}.p_value", got["p_value"], ref["p_value"])
    t, df = got["log_t"], got["log_df"]
    if t is not None:
        check(f"{label}.log_p_value(strict)", got["log_p_value"], float(2 * stats.t.sf(abs(t), df)))
        check(f"{label}.log_p_value", got["log_p_value"], ref["log_p_value"], rel=1e-9 + t * t * 1e-12)
    else:
        check(f"{label}.log_p_value", got["log_p_value"], ref["log_p_value"])


def run_dataset(name, table, e, v):
    """table has columns (bucket int, has_event boolean, value float8)."""
    ref = reference(e, v)
    agg = f"SELECT cq.event_signal(has_event, value) FROM {table}"
    serial = psql(SERIAL + report_sql(agg))[0]
    compare(f"{name}.serial", serial, ref)
    if ref["n"] >= 1000:
        # the planner does not split a few rows between workers, whatever the costs
        plan = psql(PARALLEL + f"EXPLAIN (COSTS OFF) {agg}", fmt="raw")
        expect(f"{name}.parallel_plan", "Partial Aggregate" in plan, plan)
    par = psql(PARALLEL + report_sql(agg))[0]
    compare(f"{name}.parallel", par, ref)
    roll = (f"SELECT cq.signal_rollup(s) FROM (SELECT bucket, cq.event_signal(has_event, value) s "
            f"FROM {table} GROUP BY bucket) b")
    rolled = psql(SERIAL + report_sql(roll))[0]
    compare(f"{name}.rollup", rolled, ref)
    # counts are exact, not just close
    expect(f"{name}.counts", serial[:3] == par[:3] == rolled[:3] ==
           [str(ref["n"]), str(ref["n_event"]), str(ref["n_converted"])], (serial[:3], ref))
    # text and binary round trips are bit-identical
    text = serial[-1]
    again = psql(f"SELECT ('{text}'::cq.event_signal)::text")[0][0]
    expect(f"{name}.text_roundtrip", again == text, (again, text))
    print(f"{name}: n={ref['n']} r={ref['correlation']} p={ref['p_value']} checked")


def load(table, e, v, buckets=7):
    psql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} "
         f"(bucket int, has_event boolean, value float8)")
    copy_in(table, ((i % buckets, "t" if ev else "f", float(x))
                    for i, (ev, x) in enumerate(zip(e, v))))
    psql(f"ANALYZE {table}")


def main():
    psql_file("test/data/load_uci.sql")
    # 1. UCI, row level: UK lines against line revenue (with refunds: negative values)
    rows = copy_out("SELECT country = 'United Kingdom', (quantity * unit_price)::float8, "
                    "extract(month FROM invoice_date)::int FROM online_retail")
    e = np.array([r[0] == "t" for r in rows])
    v = np.array([float(r[1]) for r in rows])
    psql("CREATE TABLE uci_lines AS SELECT extract(month FROM invoice_date)::int AS bucket, "
         "country = 'United Kingdom' AS has_event, (quantity * unit_price)::float8 AS value "
         "FROM online_retail; ANALYZE uci_lines")
    run_dataset("uci_lines", "uci_lines", e, v)

    # 2. UCI, per customer: bought the white hanging heart T-light holder (85123A) against
    #    the customer's net revenue
    psql("""CREATE TABLE uci_customers AS
            SELECT customer_id % 5 AS bucket, bool_or(stock_code = '85123A') AS has_event,
                   sum(quantity * unit_price)::float8 AS value
              FROM online_retail WHERE customer_id IS NOT NULL GROUP BY customer_id;
            ANALYZE uci_customers""")
    rows = copy_out("SELECT has_event, value FROM uci_customers")
    run_dataset("uci_customers", "uci_customers", [r[0] == "t" for r in rows],
                [float(r[1]) for r in rows])

    # 3. generated: zero-inflated log-normal revenue, event raises the purchase rate
    rng = np.random.default_rng(20261125)
    n = 200_000
    e = rng.random(n) < 0.3
    buy = rng.random(n) < np.where(e, 0.12, 0.05)
    v = np.where(buy, np.round(rng.lognormal(3.5, 1.2, n), 2), 0.0)
    load("gen_revenue", e, v)
    run_dataset("gen_revenue", "gen_revenue", e, v)

    # 4. generated: no zeros, heavy right tail (whales), event lowers the typical basket
    e = rng.random(100_000) < 0.1
    v = np.round(rng.pareto(1.5, 100_000) * np.where(e, 20.0, 25.0) + 1.0, 2)
    load("gen_whales", e, v)
    run_dataset("gen_whales", "gen_whales", e, v)

    # 5. tiny and degenerate datasets
    for name, e, v in [
        ("gen_tiny", [True, False, True, False, False], [3.0, 0.0, 10.5, 1.0, 0.0]),
        ("gen_perfect", [True, True, False, False], [5.0, 5.0, 0.0, 0.0]),
        ("gen_const", [True, False, True, False], [2.0, 2.0, 2.0, 2.0]),
        ("gen_one_group", [True, True, True], [1.0, 2.0, 0.0]),
    ]:
        load(name, e, v, buckets=2)
        run_dataset(name, name, np.array(e), np.array(v))

    # 6. NULL rows are skipped; no rows give an empty summary with NULL accessors
    r = psql("SELECT cq.signal_n(s), cq.signal_correlation(s) IS NULL, s::text FROM "
             "(SELECT cq.event_signal(h, v) s FROM (VALUES (true, NULL::float8), (NULL, 1.0), "
             "(false, 2.0)) t(h, v)) q")[0]
    expect("nulls_skipped", r[:2] == ["1", "t"], r)
    r = psql("SELECT cq.signal_n(s), (cq.signal_report(s)).correlation IS NULL FROM "
             "(SELECT cq.event_signal(true, 1.0) s WHERE false) q")[0]
    expect("empty", r == ["0", "t"], r)
    finish("check_signal_scipy")


main()
