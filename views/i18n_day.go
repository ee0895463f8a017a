package views

func init() {
	AddNav(NavItem{Key: "nav.recaps", Href: "/recaps", Order: 42, Roles: DeskRoles})
	AddNav(NavItem{Key: "nav.compliance", Href: "/compliance", Order: 47, Roles: []string{RoleAdmin}})
	AddNav(NavItem{Key: "nav.shop", Href: "/shop", Order: 48, Roles: []string{RoleAdmin}})
	AddStrings(LangZH, map[string]string{
		"nav.recaps": "复盘", "nav.compliance": "合规", "nav.shop": "店铺设置",
		"recaps.title": "每日复盘", "recaps.empty": "还没有复盘。晨间复盘 08:30、晚间复盘 21:00（店铺时区）自动生成，也可在定时任务页立即运行。",
		"recaps.morning": "晨间复盘（昨日）", "recaps.evening": "晚间复盘（今日）", "recaps.xlsx": "导出 XLSX",
		"recaps.metric": "指标", "recaps.value": "数值", "recaps.avg7": "7日均值", "recaps.avg30": "30日均值", "recaps.change": "较7日均",
		"recaps.days": "有数据天数 7日 %d / 30日 %d", "recaps.movers": "变化最大", "recaps.sources": "流量来源",
		"recaps.top_gmv": "GMV TOP3", "recaps.top_returns": "退货 TOP3", "recaps.high_return": "退货率偏高（已建任务）",
		"recaps.low_cvr": "高点击低转化（已建任务）", "recaps.service": "服务", "recaps.push": "次日主推", "recaps.retention": "老客户名单",
		"recaps.target_roi": "目标 ROI", "recaps.reply": "%d 分钟回复率", "recaps.ship": "发货及时率", "recaps.low_reviews": "新差评",
		"recaps.share": "占比", "recaps.views": "进房", "recaps.orders": "订单", "recaps.history": "历史",
		"shop.title": "店铺设置", "shop.tz": "时区", "shop.currency": "币种", "shop.save": "保存", "shop.saved": "已保存。",
		"shop.hint":        "时间按店铺时区显示，定时任务按店铺时区运行；金额按币种的最小单位传输（人民币为分，越南盾为元）。",
		"compliance.title": "合规", "compliance.words": "广告法禁用词", "compliance.add": "添加", "compliance.off": "停用",
		"compliance.on": "启用", "compliance.remove": "删除", "compliance.builtin": "内置", "compliance.own": "自定义",
		"compliance.quals": "资质证件", "compliance.qual_name": "名称", "compliance.qual_number": "证件编号", "compliance.qual_expires": "到期日",
		"compliance.days_left": "剩余天数",
		"cue.banned.title":     "提词含广告法禁用词", "cue.banned.text": "主播会照读，以下词可能违规：", "cue.banned.send": "仍然发送", "cue.banned.edit": "修改",
		"sources.title": "流量来源", "sources.last5": "近 5 分钟", "sources.session": "本场",
		"type.return_rate": "退货率偏高", "type.detail_page": "优化详情页", "type.retention": "老客户维护",
		"type.banned_word": "违禁词", "type.qualification": "资质到期",
	})
	AddStrings(LangEN, map[string]string{
		"nav.recaps": "Recaps", "nav.compliance": "Compliance", "nav.shop": "Shop",
		"recaps.title": "Daily recaps", "recaps.empty": "No recap yet. The morning recap runs at 08:30 and the evening one at 21:00 shop time; run them now on the jobs page.",
		"recaps.morning": "Morning recap (yesterday)", "recaps.evening": "Evening recap (today)", "recaps.xlsx": "Export XLSX",
		"recaps.metric": "Metric", "recaps.value": "Value", "recaps.avg7": "7-day avg", "recaps.avg30": "30-day avg", "recaps.change": "vs 7-day",
		"recaps.days": "days with data: 7-day %d / 30-day %d", "recaps.movers": "Biggest movers", "recaps.sources": "Traffic sources",
		"recaps.top_gmv": "Top 3 by GMV", "recaps.top_returns": "Top 3 by returns", "recaps.high_return": "High return rate (tasks raised)",
		"recaps.low_cvr": "High CTR, low CVR (tasks raised)", "recaps.service": "Service", "recaps.push": "Lead with tomorrow", "recaps.retention": "Repeat customers",
		"recaps.target_roi": "Target ROI", "recaps.reply": "%d-minute reply rate", "recaps.ship": "On-time shipping", "recaps.low_reviews": "New negative reviews",
		"recaps.share": "Share", "recaps.views": "Entries", "recaps.orders": "Orders", "recaps.history": "History",
		"shop.title": "Shop settings", "shop.tz": "Time zone", "shop.currency": "Currency", "shop.save": "Save", "shop.saved": "Saved.",
		"shop.hint":        "Times show in the shop's zone and jobs run on it; amounts travel in the currency's minor unit (fen for CNY, đồng for VND).",
		"compliance.title": "Compliance", "compliance.words": "Banned advertising words", "compliance.add": "Add", "compliance.off": "Turn off",
		"compliance.on": "Turn on", "compliance.remove": "Remove", "compliance.builtin": "built-in", "compliance.own": "own",
		"compliance.quals": "Qualifications", "compliance.qual_name": "Name", "compliance.qual_number": "Number", "compliance.qual_expires": "Expires",
		"compliance.days_left": "Days left",
		"cue.banned.title":     "The cue has banned advertising words", "cue.banned.text": "The anchor will read it aloud; these words may break the advertising law:",
		"cue.banned.send": "Send anyway", "cue.banned.edit": "Edit",
		"sources.title": "Traffic sources", "sources.last5": "last 5 min", "sources.session": "session",
		"type.return_rate": "High return rate", "type.detail_page": "Fix detail page", "type.retention": "Repeat customers",
		"type.banned_word": "Banned word", "type.qualification": "Qualification expiry",
	})
}
