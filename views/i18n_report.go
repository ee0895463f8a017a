package views

// Strings of the report pages (the report's own labels live in report.Label, shared with the
// exports).
func init() {
	AddStrings(LangZH, map[string]string{
		"report.title":        "直播复盘",
		"report.xlsx":         "导出 Excel",
		"report.csv":          "分钟数据 CSV",
		"report.print":        "打印",
		"report.rebuild":      "重新生成",
		"report.sessions":     "历史场次",
		"report.notfound":     "没有这个场次的复盘。",
		"report.building":     "场次刚结束，复盘正在生成，页面会自动刷新。",
		"report.control":      "返回中控台",
		"report.none":         "这个直播间还没有已结束的场次。",
		"report.open":         "查看复盘",
		"report.col.start":    "开播时间",
		"report.col.duration": "时长",
		"report.col.gmv":      "成交金额",
		"report.col.orders":   "成交订单",
		"report.col.views":    "观看次数",
		"report.col.viewers":  "观看人数",
	})
	AddStrings(LangEN, map[string]string{
		"report.title":        "Post-stream report",
		"report.xlsx":         "Excel",
		"report.csv":          "Minutes CSV",
		"report.print":        "Print",
		"report.rebuild":      "Rebuild",
		"report.sessions":     "Past sessions",
		"report.notfound":     "No report for this session.",
		"report.building":     "The session just ended; its report is being built and this page reloads itself.",
		"report.control":      "Back to the control room",
		"report.none":         "This room has no ended sessions yet.",
		"report.open":         "Open report",
		"report.col.start":    "Started",
		"report.col.duration": "Length",
		"report.col.gmv":      "Paid GMV",
		"report.col.orders":   "Orders",
		"report.col.views":    "Views",
		"report.col.viewers":  "Viewers",
	})
}
