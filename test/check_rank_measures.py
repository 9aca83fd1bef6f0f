#!/usr/bin/python3
"""cq.rank_correlation against scipy.stats.spearmanr and cq.auc against
sklearn.metrics.roc_auc_score, to 1e-9 relative, on the bundled UCI data and generated data
with many ties, in three plans:
  serial    max_parallel_workers_per_gather = 0
  parallel  forced parallel plan, EXPLAIN must show "Partial Aggregate"
  shipped   per-bucket partial states sent through the text form (what Citus does), read back,
            merged with the combine function and finished with the final function
"""
import os
import sys

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import check, copy_in, copy_out, expect, finish, num, psql, psql_file  # noqa: E402

SERIAL = "SET max_parallel_workers_per_gather = 0;"
PARALLEL = ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;")

# Test-only aggregates that expose the partial state and merge shipped states (the two halves
# of what the planner does with COMBINEFUNC, as a distributed coordinator would run them).
SETUP = """
CREATE AGGREGATE test_rank_state(float8, float8) (
    SFUNC = cq_internal.rank_sample_transfn, STYPE = cq.rank_sample);
CREATE AGGREGATE test_auc_state(float8, boolean) (
    SFUNC = cq_internal.auc_transfn, STYPE = cq.rank_sample);
CREATE AGGREGATE test_rank_merge(cq.rank_sample) (
    SFUNC = cq_internal.rank_sample_combine, STYPE = cq.rank_sample,
    FINALFUNC = cq_internal.rank_correlation_finalfn);
CREATE AGGREGATE test_auc_merge(cq.rank_sample) (
    SFUNC = cq_internal.rank_sample_combine, STYPE = cq.rank_sample, FINALFUNC = cq_internal.auc_finalfn);
"""


def spearman_ref(x, y):
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    # scipy 1.10 ranks infinities as NaN; ranks depend on the order only, so map them just
    # outside the finite range (same order, same ties)
    return float(stats.spearmanr(finite_order(x), finite_order(y)).correlation)


def finite_order(v):
    v = np.array(v, dtype=float)
    fin = v[np.isfinite(v)]
    lo, hi = (fin.min(), fin.max()) if len(fin) else (0.0, 0.0)
    v[v == np.inf] = hi + 1
    v[v == -np.inf] = lo - 1
    return v


def auc_ref(score, label):
    if label.all() or not label.any():
        return None
    # sklearn refuses infinities (see finite_order)
    return float(roc_auc_score(label, finite_order(score)))


def run(name, table, x, y, label):
    """table has (bucket int, x float8, y float8, label boolean)."""
    want_r, want_auc = spearman_ref(x, y), auc_ref(x, label)
    q = f"SELECT cq.rank_correlation(x, y), cq.auc(x, label) FROM {table}"
    got = psql(SERIAL + q)[0]
    check(f"{name}.serial.spearman", num(got[0]), want_r)
    check(f"{name}.serial.auc", num(got[1]), want_auc)
    if len(x) >= 1000:
        plan = psql(PARALLEL + "EXPLAIN (COSTS OFF) " + q, fmt="raw")
        expect(f"{name}.parallel_plan", "Partial Aggregate" in plan, plan)
    got = psql(PARALLEL + q)[0]
    check(f"{name}.parallel.spearman", num(got[0]), want_r)
    check(f"{name}.parallel.auc", num(got[1]), want_auc)
    shipped = psql(SERIAL + f"""
        WITH parts AS (
            SELECT bucket, test_rank_state(x, y)::text AS rs, test_auc_state(x, label)::text AS au
              FROM {table} GROUP BY bucket)
        SELECT test_rank_merge(rs::cq.rank_sample), test_auc_merge(au::cq.rank_sample)
          FROM parts""")[0]
    check(f"{name}.shipped.spearman", num(shipped[0]), want_r)
    check(f"{name}.shipped.auc", num(shipped[1]), want_auc)
    print(f"{name}: n={len(x)} spearman={want_r} auc={want_auc} checked")


def load(table, x, y, label, buckets=5):
    psql(f"DROP TABLE IF EXISTS {table}; "
         f"CREATE TABLE {table} (bucket int, x float8, y float8, label boolean)")
    copy_in(table, ((i % buckets, float(a), float(b), "t" if c else "f")
                    for i, (a, b, c) in enumerate(zip(x, y, label))))
    psql(f"ANALYZE {table}")


def main():
    psql(SETUP)
    psql_file("test/data/load_uci.sql")

    # 1. UCI lines: quantity vs unit price (many ties); AUC of unit price for UK lines
    psql("""CREATE TABLE uci_rank AS
            SELECT (row_number() OVER ()) % 5 AS bucket, quantity::float8 AS x,
                   unit_price::float8 AS y, country = 'United Kingdom' AS label
              FROM online_retail; ANALYZE uci_rank""")
    rows = copy_out("SELECT x, y, label FROM uci_rank")
    x = np.array([float(r[0]) for r in rows])
    y = np.array([float(r[1]) for r in rows])
    lab = np.array([r[2] == "t" for r in rows])
    run("uci_lines", "uci_rank", x, y, lab)

    # 2. UCI customers: invoices vs net revenue; AUC of revenue for buyers of 85123A
    psql("""CREATE TABLE uci_cust_rank AS
            SELECT customer_id % 5 AS bucket, count(DISTINCT invoice_no)::float8 AS x,
                   sum(quantity * unit_price)::float8 AS y, bool_or(stock_code = '85123A') AS label
              FROM online_retail WHERE customer_id IS NOT NULL GROUP BY customer_id;
            ANALYZE uci_cust_rank""")
    rows = copy_out("SELECT x, y, label FROM uci_cust_rank")
    run("uci_customers", "uci_cust_rank", np.array([float(r[0]) for r in rows]),
        np.array([float(r[1]) for r in rows]), np.array([r[2] == "t" for r in rows]))
    # AUC with the roles used in the issue: revenue as score, the event as label
    rows = copy_out("SELECT y, label FROM uci_cust_rank")
    got = num(psql("SELECT cq.auc(y, label) FROM uci_cust_rank")[0][0])
    check("uci_customers.auc_revenue", got, auc_ref(np.array([float(r[0]) for r in rows]),
                                                    np.array([r[1] == "t" for r in rows])))

    # 3. generated: heavy ties (small integer ranges), correlated, with infinities
    rng = np.random.default_rng(4242)
    n = 120_000
    x = rng.integers(0, 20, n).astype(float)
    y = np.round(x * 0.3 + rng.normal(0, 3, n))
    lab = rng.random(n) < 1 / (1 + np.exp(-(x - 10) / 4))
    x[:3] = [np.inf, -np.inf, np.inf]
    load("gen_ties", x, y, lab)
    run("gen_ties", "gen_ties", x, y, lab)

    # 4. generated: continuous, no ties, negative association
    x = rng.normal(0, 1, 50_000)
    y = -x + rng.standard_t(3, 50_000)
    lab = rng.random(50_000) < 0.02
    load("gen_cont", x, y, lab)
    run("gen_cont", "gen_cont", x, y, lab)

    # 5. tiny and degenerate
    for name, x, y, lab in [
        ("tiny", [1, 2, 2, 4, 5], [2, 3, 5, 4, 1], [False, False, True, True, False]),
        ("all_tied_score", [3, 3, 3, 3], [1, 2, 3, 4], [True, False, True, False]),
        ("two", [1, 2], [5, 4], [False, True]),
        ("one_label", [1, 2, 3], [1, 2, 3], [True, True, True]),
        ("one_pair", [1], [1], [True]),
    ]:
        load(name, x, y, lab, buckets=2)
        run(name, name, np.array(x, dtype=float), np.array(y, dtype=float), np.array(lab))

    # 6. NaN is an error, NULL rows are skipped, no rows give NULL
    r = psql("SELECT cq.rank_correlation(x, y), cq.auc(x, l) FROM (VALUES (1.0, 1.0, true), "
             "(2.0, NULL, false), (NULL, 3.0, NULL), (3.0, 2.0, false)) t(x, y, l)")[0]
    check("nulls.spearman", num(r[0]), spearman_ref(np.array([1.0, 3.0]), np.array([1.0, 2.0])))
    check("nulls.auc", num(r[1]), auc_ref(np.array([1.0, 2.0, 3.0]), np.array([True, False, False])))
    r = psql("SELECT cq.rank_correlation(1, 1) IS NULL, cq.auc(1, true) IS NULL WHERE false")[0]
    expect("empty", r == ["t", "t"], r)
    finish("check_rank_measures")


main()
