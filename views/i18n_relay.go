package views

// Strings of the live-room relays, running totals and 千川 (issue 13): the control room's
// "not available" people counts and question products, the report's derived leaves, and the
// Integrations page's 千川 section.
func init() {
	AddStrings(LangZH, map[string]string{
		"js.tile.na":                           "不可用",
		"js.tile.na_why":                       "部分进入、点击或成交来自平台累计数据（不含用户），无法去重计人数，因此不显示而不是估算",
		"js.cr.on_pinned":                      "讲解中商品",
		"integrations.platform.qianchuan":      "巨量千川 投放消耗",
		"integrations.qianchuan.help":          "开播期间每分钟拉取一次千川今日直播数据，把 stat_cost 的增加记为投放消耗。用 livedesk integration set --platform qianchuan --advertiser-id A --aweme-id W 设置，访问令牌从标准输入读取。",
		"integrations.qianchuan.advertiser":    "广告主 ID",
		"integrations.qianchuan.aweme":         "抖音号 ID",
		"integrations.qianchuan.room":          "直播间",
		"integrations.qianchuan.any_room":      "本店正在直播的直播间",
		"integrations.qianchuan.no_token":      "未保存（千川不会被拉取）",
		"integrations.qianchuan.not_connected": "未对接：livedesk integration set --shop 店铺 --platform qianchuan --advertiser-id 广告主ID --aweme-id 抖音号ID（访问令牌从标准输入读取）",
	})
	AddStrings(LangEN, map[string]string{
		"js.tile.na":                           "n/a",
		"js.tile.na_why":                       "some entries, clicks or orders came from platform running totals, which name no user: the number of people cannot be counted, so it is not shown rather than estimated",
		"js.cr.on_pinned":                      "product on air",
		"integrations.platform.qianchuan":      "Qianchuan ad spend",
		"integrations.qianchuan.help":          "While a session is live, Qianchuan's today-live report is polled once a minute and increases of stat_cost become ad spend. Set it with livedesk integration set --platform qianchuan --advertiser-id A --aweme-id W, the access token on standard input.",
		"integrations.qianchuan.advertiser":    "Advertiser ID",
		"integrations.qianchuan.aweme":         "Douyin account ID",
		"integrations.qianchuan.room":          "Room",
		"integrations.qianchuan.any_room":      "the shop's live room",
		"integrations.qianchuan.no_token":      "none stored (nothing is polled)",
		"integrations.qianchuan.not_connected": "not linked: livedesk integration set --shop S --platform qianchuan --advertiser-id A --aweme-id W (access token on standard input)",
	})
}
