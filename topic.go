package livedesk

import "strings"

// Buyer-question topics of live-room comments. A comment is a question of at most one topic;
// "" means it is not a question.
const (
	TopicSize     = "size"     // 尺码
	TopicShipping = "shipping" // 发货
	TopicPrice    = "price"    // 价格
	TopicQuality  = "quality"  // 质量
	TopicDiscount = "discount" // 优惠
	TopicOther    = "other"    // 其他: a question of none of the topics above
)

// Topic is a question topic with its labels.
type Topic struct {
	Key string
	ZH  string
	EN  string
}

// Topics are the question topics in display order.
var Topics = []Topic{
	{TopicSize, "尺码", "Size"}, {TopicShipping, "发货", "Shipping"}, {TopicPrice, "价格", "Price"},
	{TopicQuality, "质量", "Quality"}, {TopicDiscount, "优惠", "Discount"}, {TopicOther, "其他", "Other"},
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

// topicWords are the keywords of each topic, checked in this order (the first match wins, so
// "优惠价多少" is a discount question, not a price one).
var topicWords = []struct {
	key   string
	words []string
}{
	{TopicSize, []string{"尺码", "码数", "多大码", "s码", "m码", "l码", "xl", "身高", "体重", "斤", "偏大", "偏小", "大小", "尺寸", "码"}},
	{TopicShipping, []string{"发货", "快递", "物流", "几天到", "多久到", "包邮", "运费", "顺丰", "到货", "送到"}},
	{TopicDiscount, []string{"优惠", "优惠券", "券", "折扣", "打折", "满减", "赠品", "送什么", "活动", "秒杀", "福利", "便宜点"}},
	{TopicPrice, []string{"价格", "多少钱", "几块", "多钱", "价钱", "贵", "划算", "原价", "多少米"}},
	{TopicQuality, []string{"质量", "材质", "面料", "正品", "掉色", "起球", "耐用", "做工", "退换", "售后", "保修", "真的假的"}},
}

// questionMarks make a comment without a topic keyword count as a question (topic other).
var questionMarks = []string{"?", "？", "吗", "么", "怎么", "多少", "什么", "有没有", "能不能", "可以", "哪", "几"}

// ClassifyComment returns the buyer-question topic of a comment, or "" when it is not a
// question. The control room, the prompter and the report all classify with it, so they agree.
// A comment naming a topic keyword counts as a question of that topic even without a question
// mark ("S码" is how buyers ask); otherwise a question marker makes it "other".
func ClassifyComment(text string) string {
	t := strings.ToLower(text)
	for _, tw := range topicWords {
		for _, w := range tw.words {
			if strings.Contains(t, w) {
				return tw.key
			}
		}
	}
	for _, m := range questionMarks {
		if strings.Contains(t, m) {
			return TopicOther
		}
	}
	return ""
}
