// Package report owns the post-stream report (复盘) of a session: its build from the event log
// (with exact rollups, see Builder), storage (ClickHouse session_reports and the report_* rollup
// tables), the comparison with earlier sessions, next-day push picks, and XLSX/CSV exports.
//
// It reads the events and flag_events logs read-only, and stream sessions only through the live
// engine (Sessions). Service builds a report when a session ends and rebuilds it on late events.
package report
