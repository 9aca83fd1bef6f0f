#!/usr/bin/python3
"""The report views as a BI tool sees them, through a real client library (psycopg2), and
cq.refresh under concurrency.

- discovery: the views of schema cq through information_schema, every column of a simple type
  (text, bigint, double precision, numeric, date, timestamptz, boolean) and commented; every
  view read in full, each value arriving as the Python type of its column;
- the daily-state views (cq.cohort_*) the same way, for the source kept daily;
- privileges: a login role without SELECT on the source relation reads every view and finds no
  row; once granted SELECT it finds them all; it can neither refresh nor write the reports;
- concurrency: while one session refreshes (not yet committed), readers see the previous report
  and are not blocked; a second refresh of the same source waits for the first, or with
  nowait fails at once with 55P03; when both have committed the reports are the second's;
  a refresh of all sources and one of a single source at the same time do not deadlock;
- progress: each refresh reports NOTICEs naming the source, the step, rows and elapsed time.
"""
import datetime
import decimal
import os
import re
import subprocess
import sys
import threading
import time

import psycopg2
import psycopg2.errors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import expect, finish  # noqa: E402

SIMPLE = {"text": str, "bigint": int, "double precision": float, "numeric": decimal.Decimal,
          "date": datetime.date, "timestamp with time zone": datetime.datetime, "boolean": bool}
VIEWS = {"event_quality", "funnel_report", "tracking_health", "match_quality", "campaign_quality",
         "cohort_days", "cohort_quality", "cohort_events", "cohort_funnels", "cohort_attribution"}
ROLE = "cq_bi_reader"


def connect(user=None):
    conn = psycopg2.connect(dbname=os.environ["PGDATABASE"], user=user or os.environ.get("PGUSER"))
    conn.autocommit = True
    return conn


def setup(cur):
    # the planted log, with ids (1 row in 50 also sent by the server), channels and arrivals
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "seed=0.42", "-f",
                    "test/data/planted.sql"], check=True, capture_output=True)
    cur.execute("""
        CREATE TABLE web AS
        SELECT user_id, event_time, event_name, revenue, user_id || ':' || event_name AS event_id,
               'pixel' AS channel, event_time + interval '30 seconds' AS arrived_at,
               'segment_' || user_id % 3 AS segment
          FROM planted
        UNION ALL
        SELECT user_id, event_time + interval '1 minute', event_name, revenue,
               user_id || ':' || event_name, 'server', event_time + interval '2 minutes',
               'segment_' || user_id % 3
          FROM planted WHERE user_id % 50 = 0;
        DROP TABLE planted;
        SELECT cq.register_source('web', 'web', 'user_id', 'event_time', 'event_name',
                                  value_column => 'revenue', event_id_column => 'event_id',
                                  source_column => 'channel', received_at_column => 'arrived_at',
                                  customer_columns => '{"external_id": "user_id"}',
                                  dimension_columns => '{segment}');
        SELECT cq.define_funnel('visit_to_purchase', 'web', '{visit,driver,purchase}', '30 days');
        SELECT cq.enable_daily_states('web');
        SELECT * FROM cq.refresh_daily('web');
        CREATE TABLE other (u int, t timestamptz, e text);
        INSERT INTO other VALUES (1, '2024-01-01', 'a'), (1, '2024-01-02', 'b');
        SELECT cq.register_source('other', 'other', 'u', 't', 'e');
    """)


def discovery(cur):
    cur.execute("SELECT table_name FROM information_schema.views WHERE table_schema = 'cq'")
    found = {r[0] for r in cur.fetchall()}
    expect("discovery.views", found == VIEWS, found)
    cur.execute("""SELECT c.table_name, c.column_name, c.data_type,
                          col_description(format('cq.%%I', c.table_name)::regclass, c.ordinal_position)
                     FROM information_schema.columns c
                    WHERE c.table_schema = 'cq' AND c.table_name = ANY (%s)
                    ORDER BY c.table_name, c.ordinal_position""", (sorted(VIEWS),))
    cols = cur.fetchall()
    expect("discovery.columns", len(cols) >= 40, len(cols))
    bad = [(t, c, d) for t, c, d, _ in cols if d not in SIMPLE]
    expect("discovery.simple_types", not bad, bad)
    nocomment = [(t, c) for t, c, _, k in cols if not k]
    expect("discovery.column_comments", not nocomment, nocomment)
    for v in sorted(VIEWS):
        cur.execute("SELECT obj_description(%s::regclass, 'pg_class')", (f"cq.{v}",))
        expect(f"discovery.{v}.comment", bool(cur.fetchone()[0]))
    types = {(t, c): SIMPLE[d] for t, c, d, _ in cols if d in SIMPLE}
    for v in sorted(VIEWS):
        cur.execute(f"SELECT * FROM cq.{v}")
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
        expect(f"read.{v}.rows", len(rows) > 0, len(rows))
        wrong = {(names[i], type(x).__name__) for r in rows for i, x in enumerate(r)
                 if x is not None and not isinstance(x, types[(v, names[i])])}
        expect(f"read.{v}.python_types", not wrong, wrong)
    return {v: count(cur, v) for v in VIEWS}


def count(cur, view):
    cur.execute(f"SELECT count(*) FROM cq.{view}")
    return cur.fetchone()[0]


def privileges(admin, full):
    cur = admin.cursor()
    cur.execute(f"DROP ROLE IF EXISTS {ROLE}; CREATE ROLE {ROLE} LOGIN")
    bi = connect(ROLE)
    bcur = bi.cursor()
    for v in sorted(VIEWS):
        expect(f"privileges.no_select.{v}", count(bcur, v) == 0)
    bcur.execute("SELECT count(*) FROM cq.event_sources")
    expect("privileges.no_select.sources", bcur.fetchone()[0] == 0)
    cur.execute(f"GRANT SELECT ON web TO {ROLE}")
    for v in sorted(VIEWS):
        # the rows of 'web' only: 'other' stays hidden
        bcur.execute(f"SELECT count(*), count(*) FILTER (WHERE source = 'other') FROM cq.{v}")
        n, other = bcur.fetchone()
        cur.execute(f"SELECT count(*) FILTER (WHERE source = 'web') FROM cq.{v}")
        expect(f"privileges.granted.{v}", n == cur.fetchone()[0] and n > 0 and other == 0,
               (n, other))
    try:
        bcur.execute("SELECT * FROM cq.refresh('web')")
        expect("privileges.refresh_refused", False, "refresh ran")
    except psycopg2.errors.InsufficientPrivilege as e:
        expect("privileges.refresh_refused", "must be owner" in str(e), str(e))
    bcur.execute("DELETE FROM cq_internal.event_quality_data")
    expect("privileges.delete_nothing", bcur.rowcount == 0, bcur.rowcount)
    expect("privileges.reports_intact", count(cur, "event_quality") == full["event_quality"])
    bi.close()
    cur.execute(f"REVOKE ALL ON web FROM {ROLE}; DROP ROLE {ROLE}")


def refreshed_at(cur):
    cur.execute("SELECT DISTINCT refreshed_at FROM cq.event_quality WHERE source = 'web'")
    return {r[0] for r in cur.fetchall()}


def concurrency(admin):
    cur = admin.cursor()
    before = refreshed_at(cur)
    a = connect()
    a.autocommit = False
    acur = a.cursor()
    acur.execute("SELECT * FROM cq.refresh('web')")          # holds the lock, not committed
    a_time = None
    acur.execute("SELECT now()")
    a_time = acur.fetchone()[0]

    # readers see the previous report without waiting for the refresh (a reader that waited
    # would hit the 60 s statement_timeout: a hang guard, not a timing check)
    cur.execute("SET statement_timeout = '60s'")
    try:
        seen = refreshed_at(cur)
        expect("concurrency.readers_see_old", seen == before, seen)
        expect("concurrency.readers_not_blocked", True, None)
    except psycopg2.errors.QueryCanceled as e:
        expect("concurrency.readers_not_blocked", False, str(e))
        admin.rollback()
    cur.execute("RESET statement_timeout")

    # nowait: fails at once
    c = connect()
    try:
        c.cursor().execute("SET statement_timeout = '60s'")
        c.cursor().execute("SELECT * FROM cq.refresh('web', nowait => true)")
        expect("concurrency.nowait_fails", False, "no error")
    except psycopg2.errors.LockNotAvailable as e:
        expect("concurrency.nowait_fails", "being refreshed" in str(e), str(e))
    except psycopg2.errors.QueryCanceled as e:
        expect("concurrency.nowait_fails", False, "waited: " + str(e))
    c.close()

    # without nowait: waits for the first
    result = {}

    def second():
        d = connect()
        dcur = d.cursor()
        dcur.execute("SELECT source_name FROM cq.refresh('web')")
        result["rows"] = dcur.fetchall()
        dcur.execute("SELECT DISTINCT refreshed_at FROM cq.event_quality WHERE source = 'web'")
        result["at"] = {r[0] for r in dcur.fetchall()}
        d.close()

    th = threading.Thread(target=second)
    th.start()
    waited = False
    for _ in range(50):
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%cq.refresh(''web'')%'")
        if cur.fetchone()[0] == 1:
            waited = True
            break
        time.sleep(0.2)
    expect("concurrency.second_waits", waited and th.is_alive())
    a.commit()
    expect("concurrency.first_committed", refreshed_at(cur) in ({a_time}, result.get("at")),
           (refreshed_at(cur), a_time))
    th.join(60)
    expect("concurrency.second_done", not th.is_alive() and result.get("rows") == [("web",)],
           result)
    after = refreshed_at(cur)
    expect("concurrency.second_wins", len(after) == 1 and after == result["at"]
           and next(iter(after)) > a_time, (after, a_time))
    a.close()

    # all sources and one source at once: both finish (no deadlock)
    errors = []

    def run(sql):
        try:
            x = connect()
            x.cursor().execute(sql)
            x.close()
        except psycopg2.Error as e:
            errors.append(str(e))

    ths = [threading.Thread(target=run, args=(q,)) for q in
           ("SELECT * FROM cq.refresh()", "SELECT * FROM cq.refresh('web')",
            "SELECT * FROM cq.refresh('other')", "SELECT * FROM cq.refresh()")]
    for t in ths:
        t.start()
    for t in ths:
        t.join(120)
    expect("concurrency.no_deadlock", not errors and not any(t.is_alive() for t in ths), errors)


def progress(admin):
    admin.notices.clear()
    admin.cursor().execute("SELECT * FROM cq.refresh('web')")
    notes = [n.strip() for n in admin.notices]
    pat = re.compile(r'NOTICE:  cq\.refresh: source "web": (read \d+ rows|tracking health, \d+ days and events|'
                     r'event quality, \d+ event names|campaign quality by segment, \d+ buckets|'
                     r'funnel "visit_to_purchase", \d+ steps) '
                     r'\(\d\d:\d\d:\d\d(\.\d+)?\)')
    expect("progress.notices", len(notes) == 5 and all(pat.fullmatch(n) for n in notes), notes)


def main():
    admin = connect()
    cur = admin.cursor()
    setup(cur)
    cur.execute("SET client_min_messages = warning; SELECT * FROM cq.refresh(); "
                "RESET client_min_messages")
    full = discovery(cur)
    privileges(admin, full)
    concurrency(admin)
    progress(admin)
    admin.close()
    finish("check_report_client")


main()
