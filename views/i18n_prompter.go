package views

// prompterStrings are the prompter's texts, also handed to static/js/prompter.js.
var prompterStrings = map[string]map[string]string{
	LangZH: {
		"prompter.title":     "提词器",
		"prompter.none":      "等待场控选择讲解商品",
		"prompter.stock":     "库存",
		"prompter.low":       "即将售罄",
		"prompter.soldout":   "已售罄",
		"prompter.flash":     "秒杀",
		"prompter.flash.end": "秒杀已结束",
		"prompter.flash.qty": "限量",
		"prompter.coupon":    "优惠券",
		"prompter.ack":       "收到",
		"prompter.acked":     "已收到",
		"prompter.questions": "待回答的弹幕提问",
		"prompter.answered":  "已回答",
		"prompter.noq":       "暂无提问",
		"prompter.onproduct": "讲解",
		"prompter.clicks":    "点击",
		"prompter.orders":    "成交",
		"prompter.last5":     "近5分钟",
		"prompter.mirror":    "镜像",
		"prompter.smaller":   "A−",
		"prompter.bigger":    "A+",
		"prompter.fail":      "发送失败，请重试",
		// The buyer-question topics the prompter shows (every livedesk.Topics key but other).
		"prompter.topic.size":       "尺码",
		"prompter.topic.price":      "价格",
		"prompter.topic.discount":   "优惠",
		"prompter.topic.stock":      "库存",
		"prompter.topic.link":       "链接",
		"prompter.topic.shipping":   "发货",
		"prompter.topic.style":      "款式",
		"prompter.topic.quality":    "质量",
		"prompter.topic.howto":      "怎么买",
		"prompter.topic.aftersales": "售后",
	},
	LangEN: {
		"prompter.title":            "Prompter",
		"prompter.none":             "Waiting for the operator to pin a product",
		"prompter.stock":            "Stock",
		"prompter.low":              "Almost sold out",
		"prompter.soldout":          "Sold out",
		"prompter.flash":            "Flash sale",
		"prompter.flash.end":        "Flash sale ended",
		"prompter.flash.qty":        "Limited to",
		"prompter.coupon":           "Coupon",
		"prompter.ack":              "Got it",
		"prompter.acked":            "Got it ✓",
		"prompter.questions":        "Unanswered buyer questions",
		"prompter.answered":         "Answered",
		"prompter.noq":              "No questions yet",
		"prompter.onproduct":        "On product",
		"prompter.clicks":           "clicks",
		"prompter.orders":           "orders",
		"prompter.last5":            "last 5 min",
		"prompter.mirror":           "Mirror",
		"prompter.smaller":          "A−",
		"prompter.bigger":           "A+",
		"prompter.fail":             "Not sent, try again",
		"prompter.topic.size":       "Size",
		"prompter.topic.price":      "Price",
		"prompter.topic.discount":   "Discounts",
		"prompter.topic.stock":      "Stock",
		"prompter.topic.link":       "Link",
		"prompter.topic.shipping":   "Shipping",
		"prompter.topic.style":      "Style",
		"prompter.topic.quality":    "Quality",
		"prompter.topic.howto":      "How to buy",
		"prompter.topic.aftersales": "After-sales",
	},
}

func init() {
	for lang, m := range prompterStrings {
		AddStrings(lang, m)
	}
	AddStrings(LangZH, map[string]string{
		"actions.title":        "直播操作",
		"actions.pinned":       "正在讲解",
		"actions.none":         "未讲解商品",
		"actions.pin":          "讲解",
		"actions.unpin":        "结束讲解",
		"actions.search":       "搜索商品 ID 或标题",
		"actions.flash":        "秒杀",
		"actions.flash.price":  "秒杀价(元)",
		"actions.flash.qty":    "数量",
		"actions.flash.min":    "时长(分钟)",
		"actions.flash.start":  "开始秒杀",
		"actions.flash.left":   "剩余",
		"actions.coupon":       "优惠券",
		"actions.coupon.name":  "名称(可选)",
		"actions.coupon.off":   "减(元)",
		"actions.coupon.min":   "满(元，0=无门槛)",
		"actions.coupon.qty":   "张数",
		"actions.coupon.drop":  "发券",
		"actions.cue":          "提示主播",
		"actions.cue.text":     "自定义提示…",
		"actions.cue.send":     "发送",
		"actions.cue.waiting":  "等待主播确认",
		"actions.cue.acked":    "主播已收到",
		"actions.cue.after":    "用时",
		"actions.sent":         "已发送",
		"actions.bad":          "请求无效。",
		"actions.stale":        "这条提示已不是最新的。",
		"actions.prompter":     "打开提词器",
		"actions.seconds":      "秒",
		"actions.respond.sent": "已发送到提词器并记录到预警",
	})
	AddStrings(LangEN, map[string]string{
		"actions.title":        "Stream actions",
		"actions.pinned":       "Presenting",
		"actions.none":         "No product pinned",
		"actions.pin":          "Pin",
		"actions.unpin":        "Unpin",
		"actions.search":       "Search product ID or title",
		"actions.flash":        "Flash sale",
		"actions.flash.price":  "Sale price (¥)",
		"actions.flash.qty":    "Quantity",
		"actions.flash.min":    "Minutes",
		"actions.flash.start":  "Start flash sale",
		"actions.flash.left":   "left",
		"actions.coupon":       "Coupon",
		"actions.coupon.name":  "Name (optional)",
		"actions.coupon.off":   "Off (¥)",
		"actions.coupon.min":   "Min spend (¥, 0 = none)",
		"actions.coupon.qty":   "Count",
		"actions.coupon.drop":  "Drop coupon",
		"actions.cue":          "Cue the anchor",
		"actions.cue.text":     "Custom cue…",
		"actions.cue.send":     "Send",
		"actions.cue.waiting":  "Waiting for the anchor",
		"actions.cue.acked":    "Anchor got it",
		"actions.cue.after":    "after",
		"actions.sent":         "Sent",
		"actions.bad":          "Invalid request.",
		"actions.stale":        "This cue is no longer the latest.",
		"actions.prompter":     "Open prompter",
		"actions.seconds":      "s",
		"actions.respond.sent": "Sent to the prompter and recorded on the flag",
	})
}

// langStrings returns the texts of keys in lang, for page scripts.
func langStrings(lang string, keys ...string) map[string]string {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = T(lang, k)
	}
	return out
}

// prompterKeys lists the keys prompter.js needs.
func prompterKeys() []string {
	keys := make([]string, 0, len(prompterStrings[LangZH]))
	for k := range prompterStrings[LangZH] {
		keys = append(keys, k)
	}
	return keys
}
