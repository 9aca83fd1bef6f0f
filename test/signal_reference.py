"""The figures of cq.signal_report computed independently with numpy / scipy / sklearn."""
import numpy as np
from scipy import stats
from sklearn.metrics import precision_score, recall_score

REPORT_COLS = ["n", "n_event", "n_converted", "mean_with", "mean_without", "correlation",
               "p_value", "lift", "odds_ratio", "odds_ratio_lower", "odds_ratio_upper",
               "precision", "recall", "revenue_share", "log_t", "log_df", "log_p_value"]


def slog1p(v):
    return np.sign(v) * np.log1p(np.abs(v))


def reference(e, v, level=0.95):
    """Every figure of cq.signal_report from numpy/scipy/sklearn (None when undefined)."""
    e = np.asarray(e, dtype=bool)
    v = np.asarray(v, dtype=float)
    n, n1 = len(v), int(e.sum())
    n0 = n - n1
    conv = v > 0
    ref = dict(n=n, n_event=n1, n_converted=int(conv.sum()),
               mean_with=float(v[e].mean()) if n1 else None,
               mean_without=float(v[~e].mean()) if n0 else None)
    if n1 and n0 and np.var(v) > 0:
        r, p = stats.pearsonr(e.astype(float), v)
        r2, p2 = stats.pointbiserialr(e, v)
        assert abs(r - r2) <= 1e-12 * max(1, abs(r)), (r, r2)
        ref["correlation"], ref["p_value"] = float(r), (float(p) if n > 2 else None)
    else:
        ref["correlation"] = ref["p_value"] = None
    ref["lift"] = float(v[e].mean() / v.mean()) if n1 and v.mean() != 0 else None
    if n1 and n0:
        a = np.sum(e & conv) + 0.5
        b = np.sum(e & ~conv) + 0.5
        c = np.sum(~e & conv) + 0.5
        d = np.sum(~e & ~conv) + 0.5
        orr = (a * d) / (b * c)
        z = stats.norm.ppf((1 + level) / 2)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        ref["odds_ratio"] = float(orr)
        ref["odds_ratio_lower"] = float(np.exp(np.log(orr) - z * se))
        ref["odds_ratio_upper"] = float(np.exp(np.log(orr) + z * se))
    else:
        ref["odds_ratio"] = ref["odds_ratio_lower"] = ref["odds_ratio_upper"] = None
    ref["precision"] = float(precision_score(conv, e, zero_division=0)) if n1 else None
    ref["recall"] = float(recall_score(conv, e, zero_division=0)) if conv.any() else None
    ref["revenue_share"] = float(v[e].sum() / v.sum()) if v.sum() != 0 else None
    l1, l0 = slog1p(v[e]), slog1p(v[~e])
    if n1 >= 2 and n0 >= 2 and (np.var(l1) > 0 or np.var(l0) > 0):
        res = stats.ttest_ind(l1, l0, equal_var=False)
        q1, q0 = np.var(l1, ddof=1) / n1, np.var(l0, ddof=1) / n0
        df = (q1 + q0) ** 2 / (q1 ** 2 / (n1 - 1) + q0 ** 2 / (n0 - 1))
        ref["log_t"], ref["log_df"], ref["log_p_value"] = (float(res.statistic), float(df),
                                                           float(res.pvalue))
    else:
        ref["log_t"] = ref["log_df"] = ref["log_p_value"] = None
    return ref
