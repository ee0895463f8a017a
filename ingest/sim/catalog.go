package sim

// product is one item of the simulated shop's catalogue. CTR is clicks per impression and CVR
// orders per click, both in per mille so the generator stays in integer arithmetic.
type product struct {
	ID    string
	Name  string
	Price int64 // fen
	Stock int64
	CTR   int // ‰ of impressions that click
	CVR   int // ‰ of clicks that order
}

// listing is what the demo shop's catalog sheet says about a product beyond the stream's needs.
type listing struct {
	ListPrice int64 // fen
	Tag       string
	Points    []string
	Script    string
}

// catalog is the simulated shop. The first product is the no-sale scenario: it is pinned first,
// draws many clicks and converts none during its first slot (a broken detail page or a price
// nobody accepts), which must raise the ">100 clicks in 5 min, no sale" flag within minutes.
// The fourth has little stock so stock alerts fire too.
var catalog = []product{
	{ID: "p-1001", Name: "冰丝阔腿裤", Price: 5990, Stock: 500, CTR: 140, CVR: 0},
	{ID: "p-1002", Name: "纯棉短袖T恤", Price: 3990, Stock: 800, CTR: 80, CVR: 70},
	{ID: "p-1003", Name: "羊毛混纺开衫", Price: 12900, Stock: 300, CTR: 60, CVR: 40},
	{ID: "p-1004", Name: "防晒冰袖(2双装)", Price: 1990, Stock: 40, CTR: 100, CVR: 90},
	{ID: "p-1005", Name: "高腰显瘦牛仔裤", Price: 8990, Stock: 400, CTR: 70, CVR: 50},
	{ID: "p-1006", Name: "真丝睡衣套装", Price: 19900, Stock: 150, CTR: 50, CVR: 30},
	{ID: "p-1007", Name: "儿童速干T恤", Price: 2990, Stock: 600, CTR: 90, CVR: 80},
	{ID: "p-1008", Name: "运动袜(5双装)", Price: 2590, Stock: 700, CTR: 110, CVR: 100},
}

// listings are the catalog sheet's extra columns of the streamed products, by id, and shelf are
// products of the shop that are not streamed (the last one nearly out of stock).
var listings = map[string]listing{
	"p-1001": {8990, "引流款", []string{"冰丝面料 凉感透气", "高腰垂感 显腿长", "S–XL 四码可选"}, "夏天穿不闷不粘，今天直播间到手价只要五十九块九。"},
	"p-1002": {5990, "引流款", []string{"新疆长绒棉", "200g 厚实不透", "六色可选"}, "一件顶三件的基础款，洗了不变形不起球。"},
	"p-1003": {19900, "利润款", []string{"30% 羊毛", "不扎身 软糯", "早秋通勤百搭"}, "羊毛混纺不扎人，直播间专享价一百二十九。"},
	"p-1004": {2990, "活动款", []string{"UPF50+ 防晒", "冰感面料", "2 双装"}, "库存不多，拍下就发，全网最低价，防晒冰袖两双只要十九块九。"},
	"p-1005": {12900, "利润款", []string{"高弹不勒", "显瘦直筒", "26–32 码"}, "梨形身材也能穿，显瘦不挑人。"},
	"p-1006": {29900, "利润款", []string{"22 姆米真丝", "亲肤透气", "礼盒包装"}, "送妈妈送自己都合适，真丝睡衣一百九十九。"},
	"p-1007": {4990, "活动款", []string{"速干透气", "100–160 码", "不掉色"}, "孩子出汗多也不怕，速干面料一冲就干。"},
	"p-1008": {3990, "引流款", []string{"精梳棉", "防滑后跟", "5 双装"}, "五双二十五块九，一天不到一块钱。"},
}

var shelf = []struct {
	product
	listing
}{
	{product{ID: "p-2001", Name: "亚麻衬衫", Price: 15900, Stock: 220}, listing{22900, "利润款", []string{"法国亚麻", "宽松版型", "四色"}, "亚麻越洗越软，夏天的衬衫就它了。"}},
	{product{ID: "p-2002", Name: "纯棉浴巾(2条装)", Price: 4990, Stock: 360}, listing{7990, "活动款", []string{"长绒棉", "吸水不掉毛", "70×140cm"}, "两条装四十九块九，吸水快。"}},
	{product{ID: "p-2003", Name: "真丝眼罩", Price: 3990, Stock: 12}, listing{6990, "活动款", []string{"双面真丝", "遮光 99%", "可调松紧"}, "最后十几个，午休必备。"}},
}

// noSaleSlot is how long the first product is pinned, converting nothing (simulated seconds).
const noSaleSlot = 7 * 60

// Buyer questions as they appear in 弹幕, by topic; %s is the pinned product's name when used.
var questions = map[string][]string{
	"size":     {"165斤穿什么码？", "身高160体重110拿多大码", "M码偏大还是偏小", "有没有XXL", "腰围2尺4穿什么码", "尺码标准吗"},
	"shipping": {"什么时候发货？", "今天拍明天能发吗", "发什么快递", "新疆包邮吗", "几天能到", "48小时内发货吗"},
	"price":    {"多少钱？", "这个多少钱", "还能便宜点吗", "%s现在什么价", "链接里的价格对吗", "比昨天贵了？"},
	"quality":  {"质量怎么样", "会起球吗", "掉色吗", "面料是纯棉的吗", "%s透不透", "洗了会缩水吗"},
	"discount": {"有优惠券吗", "满减怎么算", "新人券在哪领", "还有福袋吗", "两件有优惠吗", "%s能用券吗"},
}

// questionTopics fixes the iteration order over questions (maps are unordered).
var questionTopics = []string{"size", "shipping", "price", "quality", "discount"}

// chatter is the rest of the comments.
var chatter = []string{
	"来了来了", "主播好美", "666", "已拍", "已下单", "求链接", "上身效果怎么样", "换个颜色看看",
	"主播穿的什么码", "支持支持", "想要", "蹲一个福袋", "好看", "刚进来，讲到哪了", "买过，质量不错", "回放有吗",
}
