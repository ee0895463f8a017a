package views

func init() {
	AddStrings(LangZH, map[string]string{"sources.empty": "还没有进房。进房事件带 source（推荐、短视频、关注、搜索、千川/广告、店铺、其他）时按来源统计占比。"})
	AddStrings(LangEN, map[string]string{"sources.empty": "No entries yet. Entries that carry a source (feed, short video, followers, search, paid, shop page, other) are shared out by it."})
}
