package livedesk

// Buyer-question topics of live-room comments. A comment is a question of at most one topic;
// ClassifyComment returns "" when it is not a question (every caller counts only non-empty
// topics). TopicNone is that "" spelled out where a label is needed: the labelled corpus
// (testdata/questions.tsv) and `livedesk eval-questions`.
const (
	TopicSize       = "size"       // 尺码: 多大码, 160/110斤, xl, 偏大吗, 主播身高
	TopicPrice      = "price"      // 价格: 多少钱, 什么价, 到手价
	TopicDiscount   = "discount"   // 优惠: 券, 满减, 便宜点, 赠品, 秒杀
	TopicStock      = "stock"      // 库存: 还有吗, 有货吗, 补货, 没抢到
	TopicLink       = "link"       // 链接: 几号链接, 上车, 小黄车
	TopicShipping   = "shipping"   // 发货/物流: 什么时候发, 包邮, 快递, 几天到
	TopicStyle      = "style"      // 颜色/款式: 黑色有吗, 长款, 显瘦吗
	TopicQuality    = "quality"    // 质量/材质: 面料, 起球, 透不透, 正品
	TopicHowTo      = "howto"      // 怎么买: 怎么拍, 备注, 付款, 限购
	TopicAfterSales = "aftersales" // 售后: 退换, 运费险, 七天无理由
	TopicOther      = "other"      // 其他: a question of none of the topics above
	TopicNone       = "none"       // not a question (ClassifyComment returns "", not this)
)

// Topic is a question topic with its labels.
type Topic struct {
	Key string
	ZH  string
	EN  string
}

// Topics are the question topics in display order (TopicNone is not one).
var Topics = []Topic{
	{TopicSize, "尺码", "Size"}, {TopicPrice, "价格", "Price"}, {TopicDiscount, "优惠", "Discount"},
	{TopicStock, "库存", "Stock"}, {TopicLink, "链接", "Link"}, {TopicShipping, "发货", "Shipping"},
	{TopicStyle, "款式", "Style"}, {TopicQuality, "质量", "Quality"}, {TopicHowTo, "怎么买", "How to buy"},
	{TopicAfterSales, "售后", "After-sales"}, {TopicOther, "其他", "Other"},
}

// TopicLabel returns the label of a question topic in lang ("en", else zh-CN), "" when topic is
// not one.
func TopicLabel(topic, lang string) string {
	for _, t := range Topics {
		if t.Key == topic {
			if lang == "en" {
				return t.EN
			}
			return t.ZH
		}
	}
	return ""
}

// PrompterTopic reports whether the prompter shows topic as a buyer question the anchor can
// answer: every topic but TopicOther, which tells the anchor nothing (the control room still
// lists it).
func PrompterTopic(topic string) bool {
	return topic != TopicOther && TopicLabel(topic, "zh") != ""
}
