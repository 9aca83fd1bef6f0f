/*-------------------------------------------------------------------------
 *
 * diagnostics.h
 *	  The tracking diagnostics capability (README, "Tracking diagnostics"):
 *	  the figures of cq.tracking_health per source, UTC day and event name,
 *	  why copies did or did not deduplicate (cq.dedup_explain), match
 *	  quality and reconciliation.
 *
 * Files, by role:
 *	  diagnostics_scan.c	cq_internal.tracking_scan: one read of a source,
 *							every figure of cq.tracking_health that the rows
 *							of the source alone decide, and the volumes of
 *							cq.event_quality
 *	  diagnostics_scan.sql	its SQL declaration (new in 1.2)
 *	  diagnostics.sql		cq.dedup_explain, match quality, cq.reconcile
 *							(plain SQL and PL/pgSQL)
 *	  refresh.sql			cq_internal.refresh_source, which writes the
 *							reports from the scan
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_DIAGNOSTICS_H
#define CQ_DIAGNOSTICS_H

#include "postgres.h"

#include "fmgr.h"

/* Output columns of cq_internal.tracking_scan, in order */
typedef enum CqScanColumn
{
	SCAN_DAY,
	SCAN_EVENT_NAME,
	SCAN_ROWS,
	SCAN_EVENTS,
	SCAN_USERS,
	SCAN_BLANK_IDS,
	SCAN_SERVER_EVENTS,
	SCAN_BROWSER_EVENTS,
	SCAN_BOTH_EVENTS,
	SCAN_BROWSER_ROWS,
	SCAN_BROWSER_ID_ROWS,
	SCAN_SERVER_ROWS,
	SCAN_SERVER_ID_ROWS,
	SCAN_BROWSER_FALLBACK_ROWS,
	SCAN_SERVER_FALLBACK_ROWS,
	SCAN_REUSED_IDS,
	SCAN_BURST_EVENTS,
	SCAN_FUTURE_EVENTS,
	SCAN_LATE_EVENTS,
	SCAN_STALE_EVENTS,
	SCAN_MEDIAN_LAG,
	SCAN_P95_LAG,
	SCAN_CHANNELS,
	SCAN_KEPT_UNTIL,
	SCAN_FIRST_TIME,
	SCAN_OBSERVED_UNTIL,
	SCAN_NCOLUMNS
} CqScanColumn;

#endif							/* CQ_DIAGNOSTICS_H */
