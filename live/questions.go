package live

import "strings"

// topicOrder is the display order of question topics with their zh-CN labels.
var topicOrder = []struct{ key, label string }{
	{TopicSize, "尺码"}, {TopicShipping, "发货"}, {TopicPrice, "价格"},
	{TopicQuality, "质量"}, {TopicDiscount, "优惠"}, {TopicOther, "其他"},
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

// classifyComment returns the buyer-question topic of a comment, or "" when it is not a
// question. A comment naming a topic keyword counts as a question of that topic even without a
// question mark ("S码" is how buyers ask); otherwise a question marker makes it "other".
func classifyComment(text string) string {
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
