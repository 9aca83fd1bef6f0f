"""Small helpers shared by the Python suites under test/ (psql subprocess, comparisons).

The suites run with cwd = top of the checkout and PGHOST/PGPORT/PGUSER/PGDATABASE set by
test/harness.sh; they talk to the server only through psql.
"""
import csv
import io
import math
import subprocess
import sys

FAILURES = []
COUNT = [0]


def psql(sql, *, fmt="rows"):
    """Run sql (one or more statements) and return the rows of the last one as lists of str."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True).stdout
    if fmt == "raw":
        return out
    return [line.split("\x1f") for line in out.splitlines() if line != ""]


def psql_file(path):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path], check=True,
                   capture_output=True, text=True)


def copy_out(query):
    """Rows of query via COPY ... TO STDOUT (CSV), as lists of str ('' for NULL)."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
         f"COPY ({query}) TO STDOUT WITH (FORMAT csv)"],
        check=True, capture_output=True, text=True).stdout
    return list(csv.reader(io.StringIO(out)))


def copy_in(table, rows):
    """COPY rows (iterables of values, None for NULL) into table via psql stdin."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"COPY {table} FROM STDIN WITH (FORMAT csv)"],
                   input=buf.getvalue(), check=True, capture_output=True, text=True)


def num(s):
    return None if s in ("", None) else float(s)


def close(got, want, rel=1e-9, tiny=1e-300):
    """Relative closeness; values both below `tiny` in magnitude count as equal."""
    if got is None or want is None:
        return got is None and want is None
    if isinstance(want, float) and math.isnan(want):
        return False
    if abs(got) <= tiny and abs(want) <= tiny:
        return True
    return abs(got - want) <= rel * max(abs(want), abs(got))


def check(name, got, want, rel=1e-9):
    COUNT[0] += 1
    ok = close(got, want, rel)
    if not ok:
        FAILURES.append(name)
        print(f"FAIL {name}: got {got!r}, want {want!r}")
    return ok


def expect(name, cond, detail=""):
    COUNT[0] += 1
    if not cond:
        FAILURES.append(name)
        print(f"FAIL {name} {detail}")
    return cond


def finish(label):
    if FAILURES:
        print(f"{label}: {len(FAILURES)} failure(s)")
        sys.exit(1)
    print(f"{label}: all {COUNT[0]} checks passed")
    sys.exit(0)
