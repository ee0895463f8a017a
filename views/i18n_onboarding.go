package views

func init() {
	AddStrings(LangZH, map[string]string{
		"onb.title":         "开始接入数据",
		"onb.key":           "1. 用管理员账号在服务器上为发送方创建 API Key：",
		"onb.send":          "2. 把直播、订单、评论等事件以 NDJSON 发到事件接口（每行一个事件，ts 为毫秒时间戳）：",
		"onb.send.more":     "全部事件类型与字段见接口文档",
		"onb.platform":      "3. 已在抖店或 TikTok Shop 开店？在“平台接入”里登记推送地址和应用密钥，订单、评价和客服消息会自动进来。",
		"onb.platform.open": "打开平台接入",
		"onb.sim":           "想先看看效果？用模拟器推送一场直播：",
		"onb.copy":          "复制",
	})
	AddStrings(LangEN, map[string]string{
		"onb.title":         "Send your shop's data",
		"onb.key":           "1. As an admin, create an API key for the sender on the server:",
		"onb.send":          "2. Post stream, order and comment events as NDJSON to the events API (one event a line, ts in unix milliseconds):",
		"onb.send.more":     "Every event type and field is in the API description",
		"onb.platform":      "3. Selling on Douyin Shop or TikTok Shop? Register the push URL and app secret under Integrations and orders, reviews and customer-service messages arrive on their own.",
		"onb.platform.open": "Open Integrations",
		"onb.sim":           "Want to see it first? Post a simulated stream:",
		"onb.copy":          "Copy",
	})
}
