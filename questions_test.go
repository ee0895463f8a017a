package livedesk

import "testing"

func TestClassifyComment(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"有S码吗？", TopicSize},
		{"身高165穿多大", TopicSize},
		{"什么时候发货", TopicShipping},
		{"包邮吗", TopicShipping},
		{"多少钱", TopicPrice},
		{"优惠价多少", TopicDiscount},
		{"有优惠券吗", TopicDiscount},
		{"质量怎么样", TopicQuality},
		{"是正品吗", TopicQuality},
		{"主播今天好漂亮", ""},
		{"666", ""},
		{"这个颜色还有吗？", TopicOther},
	} {
		if got := ClassifyComment(c.text); got != c.want {
			t.Errorf("ClassifyComment(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
