package livedesk

import "strings"

// Traffic sources: where a viewer came into the room from (an optional `source` on enter and
// order events). The vocabulary is fixed so that shares add up across platforms; relays map the
// platform's own value with MapSource.
const (
	SourceFeed   = "feed"   // 推荐 (the recommendation feed)
	SourceVideo  = "video"  // 短视频 (a short video)
	SourceFollow = "follow" // 关注 (the follow feed, followers)
	SourceSearch = "search" // 搜索
	SourcePaid   = "paid"   // 千川 / 广告 (paid traffic)
	SourceShop   = "shop"   // 店铺 (the shop page, 商城)
	SourceOther  = "other"  // anything else the platform names
)

// Sources lists the vocabulary in display order.
var Sources = []string{SourceFeed, SourceVideo, SourceFollow, SourceSearch, SourcePaid, SourceShop, SourceOther}

var sourceZH = map[string]string{SourceFeed: "推荐", SourceVideo: "短视频", SourceFollow: "关注", SourceSearch: "搜索",
	SourcePaid: "千川/广告", SourceShop: "店铺", SourceOther: "其他"}

var sourceEN = map[string]string{SourceFeed: "Feed", SourceVideo: "Short video", SourceFollow: "Followers", SourceSearch: "Search",
	SourcePaid: "Paid (ads)", SourceShop: "Shop page", SourceOther: "Other"}

// SourceLabel names a source for people ("" source → "unknown" / 未标注).
func SourceLabel(source, lang string) string {
	if lang == "en" {
		if l, ok := sourceEN[source]; ok {
			return l
		}
		return "Unknown"
	}
	if l, ok := sourceZH[source]; ok {
		return l
	}
	return "未标注"
}

// ValidSource reports whether s is one of Sources.
func ValidSource(s string) bool {
	_, ok := sourceZH[s]
	return ok
}

// ParseSource reads a source as the event API accepts it: a vocabulary code or its Chinese
// label (推荐, 短视频, 关注, 搜索, 千川, 广告, 店铺, 其他), case-insensitive. ok is false otherwise.
func ParseSource(s string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	if ValidSource(k) {
		return k, true
	}
	if v, ok := sourceLabels[k]; ok {
		return v, true
	}
	return "", false
}

var sourceLabels = map[string]string{"推荐": SourceFeed, "短视频": SourceVideo, "关注": SourceFollow, "搜索": SourceSearch,
	"千川": SourcePaid, "广告": SourcePaid, "千川/广告": SourcePaid, "店铺": SourceShop, "其他": SourceOther}

// platformSources maps the values 抖音 / 抖店 and TikTok Shop use for a live room's entry
// channel (enter_from / traffic source names, normalised to lower case with '_' separators)
// onto the vocabulary. Substring rules in MapSource catch the variants.
var platformSources = map[string]string{
	// 抖音 live enter_from_merge / 罗盘 流量来源 names.
	"homepage_hot": SourceFeed, "live_merge": SourceFeed, "推荐feed": SourceFeed, "直播推荐": SourceFeed,
	"自然推荐": SourceFeed, "feed": SourceFeed, "homepage_fresh": SourceFeed, "同城": SourceFeed,
	"homepage_follow": SourceFollow, "follow_feed": SourceFollow, "关注tab": SourceFollow, "粉丝": SourceFollow,
	"general_search": SourceSearch, "search_result": SourceSearch, "抖音商城搜索": SourceSearch,
	"video_head": SourceVideo, "短视频引流": SourceVideo, "视频推荐": SourceVideo, "other_video": SourceVideo,
	"qianchuan": SourcePaid, "千川pc": SourcePaid, "千川品牌广告": SourcePaid, "竞价广告": SourcePaid, "付费": SourcePaid,
	"dou_plus": SourcePaid, "dou+": SourcePaid, "随心推": SourcePaid,
	"store": SourceShop, "shop_tab": SourceShop, "商城": SourceShop, "店铺页": SourceShop, "橱窗": SourceShop,
	// TikTok Shop / TikTok LIVE traffic source names.
	"for_you": SourceFeed, "foryou": SourceFeed, "fyp": SourceFeed, "live_feed": SourceFeed,
	"following": SourceFollow, "live_following": SourceFollow, "followers": SourceFollow,
	"search": SourceSearch, "video": SourceVideo, "short_video": SourceVideo, "video_to_live": SourceVideo,
	"ads": SourcePaid, "ad": SourcePaid, "paid": SourcePaid, "promote": SourcePaid, "gmv_max": SourcePaid, "live_ads": SourcePaid,
	"shop": SourceShop, "shop_tab_live": SourceShop, "product_detail": SourceShop, "storefront": SourceShop,
}

// MapSource maps a platform's entry-channel value onto the vocabulary, for relays and platform
// adapters: a vocabulary code or its Chinese label maps to itself, known platform names to
// theirs, a value containing one of the telling words (search/搜索, follow/关注, video/视频,
// ad/千川/广告, shop/店铺/商城, feed/推荐) to that source, any other non-empty value to "other",
// and "" to "" (unknown: the event carries no source).
func MapSource(raw string) string {
	k := strings.ToLower(strings.TrimSpace(raw))
	if k == "" {
		return ""
	}
	if v, ok := ParseSource(k); ok {
		return v
	}
	k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
	if v, ok := platformSources[k]; ok {
		return v
	}
	for _, r := range sourceHints {
		for _, w := range r.words {
			if strings.Contains(k, w) {
				return r.source
			}
		}
	}
	return SourceOther
}

var sourceHints = []struct {
	source string
	words  []string
}{
	{SourcePaid, []string{"千川", "广告", "qianchuan", "_ad", "ads", "dou+", "doujia", "promot", "paid"}},
	{SourceSearch, []string{"search", "搜索"}},
	{SourceFollow, []string{"follow", "关注", "粉丝"}},
	{SourceVideo, []string{"video", "视频"}},
	{SourceShop, []string{"shop", "store", "店铺", "商城", "橱窗", "mall"}},
	{SourceFeed, []string{"feed", "推荐", "hot", "for_you", "homepage"}},
}
