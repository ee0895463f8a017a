package livedesk

import (
	"regexp"
	"strings"
	"unicode"
)

// ClassifyComment returns the buyer-question topic of a live-room comment (Chinese or English),
// or "" when it is not a question. The control room, the prompter and the report all classify
// with it, so they agree. It is hand-written rules, measured on testdata/questions.tsv by
// TestQuestionCorpus and `livedesk eval-questions`:
//
//  1. the topic is the first rule of topicRules whose word or pattern the comment contains (the
//     order settles overlaps: "运费险" is after-sales before shipping, "3号链接多少钱" is a price
//     question, "黑色还有吗" a stock one, "23号大衣还有吗" too);
//  2. a comment with a question marker (？, 吗, 什么, 几, 哪, 好不好 …, or an English question)
//     is a question: of its topic, else TopicOther;
//  3. without one, an after-sales topic or a 还没 complaint is still a question ("发错颜色了",
//     "拍了三天了还没动静"); else a statement marker (已拍, 很, 好看, 收到 …) makes it not a
//     question ("质量很好", "已拍23号"); else a topic word alone is how buyers ask ("S码", "链接",
//     "168/125").
func ClassifyComment(text string) string {
	t := normalize(text)
	if t == "" {
		return ""
	}
	asks := isQuestion(t)
	topic := ruleTopic(t, asks)
	if asks {
		if topic == "" {
			return TopicOther
		}
		return topic
	}
	if topic == "" {
		return ""
	}
	if topic == TopicAfterSales || strings.Contains(t, "还没") {
		return topic // a complaint asks for an answer: "收到少了个扣子", "拍了三天了还没动静"
	}
	if isStatement(t) {
		return ""
	}
	return topic
}

// normalize lowercases text, folds full-width ASCII to half-width and trims it.
func normalize(text string) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r >= '！' && r <= '～' && r != '？':
			r = r - '！' + '!'
		case r == '\u3000':
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSpace(b.String())
}

// topicRule is one topic's words (substrings) and patterns.
type topicRule struct {
	key     string
	words   []string
	res     []*regexp.Regexp
	askOnly bool // the words name the topic only in a question ("抢到了！" is a cheer)
}

var topicRules = []topicRule{
	{key: TopicSize, words: []string{"手腕", "戴着", "中号", "小号", "大号", "tall", "height", "号圈", "圈号", "戒圈", "手围"}}, // ring sizes, before 几号 (a link)
	{key: TopicAfterSales, words: []string{"坏的", "少寄", "money back", "包赔", "破损", "漏液", "碎了", "breaks", "broken", "damaged", "退不退", "退吗", "换吗", "可退", "可换", "少了个", "少了一", "缺了", "漏了", "退回", "寄回", "退掉", "退钱", "换码", "换个码", "换大", "换小", "保价", "价保", "破洞", "有问题", "send it back", "send back", "运费险", "退货", "退换", "换货", "退款", "能退", "可以退", "包退", "包换", "能换吗", "能换不", "能换颜色", "能换尺码", "能换码", "能换个码", "能换个颜色",
		"可以换吗", "无理由", "售后", "保修", "质保", "客服", "瑕疵", "少发", "漏发", "发错", "差价", "开胶", "坏了", "破了",
		"return", "exchange", "refund", "warranty"}},
	{key: TopicShipping, words: []string{"能到", "多长时间到", "送到", "寄到", "能送", "乡下", "农村", "极兔", "申通", "京东", "德邦", "ems", "几号发", "当天发", "今天发", "明天发", "隔天发", "动静", "没收到", "还没到", "出货", "发出", "发走", "到货", "收到货", "能收到", "几天", "送货", "配送", "次日达", "江浙沪", "海外", "国外", "不发", "仓", "发货", "发吗", "能发", "快递", "物流", "几天到", "多久到", "几天能到", "多久能到",
		"到了没", "包邮", "顺丰", "韵达", "中通", "圆通", "邮政", "运费", "寄", "预售", "哪里发", "哪发", "什么时候发", "啥时候发",
		"多久发", "几天发", "还没发", "加急", "ship", "deliver", "arrive"}},
	{key: TopicStock, words: []string{"还能买到", "还有几个", "be back", "still available", "is it available", "没了", "多上点", "上多点", "断了", "最后一批", "最后几件", "剩多少", "剩几", "限量", "out of stock", "be more", "more coming", "还有没", "还有不", "还有么", "还有嘛", "返场", "加货", "还卖吗", "售罄", "抢光", "卖光", "光了", "上一波", "再来一波", "时候补", "补吗", "still have", "any more", "还有吗", "还有货", "有货", "现货", "补货", "补一下", "补点", "没货", "无货",
		"缺货", "断码", "断货", "库存", "还剩", "卖完", "抢完", "没抢到", "抢不到", "没了吗", "没了?", "没了？", "再上", "下架", "还能抢", "还有多少",
		"还能拍吗", "sold out", "restock", "in stock", "any left", "back in stock"}},
	{key: TopicDiscount, words: []string{"满赠", "降价", "返现", "送啥", "返", "半价", "满多少", "有折", "打个折", "减吗", "能减", "再减", "减多少", "几折", "立减", "直降", "补贴", "团购", "清仓", "会员价", "粉丝价", "优惠", "券", "折扣", "打折", "满减", "赠品", "送什么", "礼品", "小礼物", "福利", "秒杀",
		"活动", "便宜点", "便宜些", "少点", "少一点", "送一", "买二", "买一送", "专属价", "抵扣", "红包", "sale", "coupon",
		"discount", "promo", "deal"},
		res: []*regexp.Regexp{regexp.MustCompile(`满\d+减`), regexp.MustCompile(`[一二三四五六七八九\d]折`)}},
	{key: TopicPrice, words: []string{"几元", "多少元", "售价", "卖多少", "块钱", "几十", "几百", "多少块", "银子", "$", "多少钱", "价", "几块", "多钱", "多少米", "贵", "咋卖", "怎么卖", "多少💰", "便宜吗",
		"多少一件", "多少一套", "how much", "price", "cost"},
		res: []*regexp.Regexp{regexp.MustCompile(`(号|链接|这个|这件|那个|一件|一个|一条)多少[啊呀呢?？]*$`)}},
	{key: TopicLink, words: []string{"shop tab", "in the shop", "找不到这个", "找不到商品", "商品在哪", "上一下", "号是哪", "是哪个链接", "多少号", "什么号", "连接", "链结", "number", "挂车", "挂链接", "链接挂", "哪号", "第几个", "第几号", "车上", "链接", "几号", "上车", "上架", "小黄车", "购物车第", "车里", "上新", "哪一号", "link"}},
	{key: TopicHowTo, words: []string{"付钱", "微信付", "how do i pay", "check out", "to pay", "信用卡", "支付宝", "微信支付", "credit card", "怎么抢", "咋抢", "帮朋友", "代拍", "能拍", "拍几", "can i order", "怎么弄", "下单", "购买", "买不了", "拍不了", "拍不到", "点不开", "哪儿拍", "哪儿买", "操作", "结算", "分期", "拍的时候", "purchase", "to buy", "place an order", "怎么买", "咋买", "怎么拍", "咋拍", "怎么下单", "在哪买", "哪里买", "哪里拍", "在哪拍", "怎么付",
		"付款", "付不了", "花呗", "先用后付", "备注", "改地址", "拍错", "拍两", "拍几件", "一单", "限购", "不会拍", "不会下单",
		"拍哪个规格", "点哪里", "购物车", "规格", "怎么改", "帮我下单", "合并", "how do i buy", "how to buy", "how to order",
		"how do i order", "cart", "checkout", "pay with", "paypal"},
		res: []*regexp.Regexp{regexp.MustCompile(`改.{0,6}刚?拍|拍.{0,6}改`)}}, // changing an order just placed
	{key: TopicQuality, words: []string{"保质期", "闷脚", "保温"}},                                                    // not sizes (多长, 脚)
	{key: TopicOther, words: []string{"主播几岁", "主播多大", "有人买过", "买过的", "几岁了", "多大了", "今年多大", "年龄", "星座", "哪里人"}}, // not sizes
	{key: TopicStyle, words: []string{"显胖", "显瘦", "显黑", "显白", "显高", "显矮", "oversize"}},                         // not sizes either
	{key: TopicSize, words: []string{"鞋码", "inseam", "waist", "hip", "bust", "length", "多重", "多长", "多宽", "kg", "公斤", "脚宽", "脚胖", "脚背", "脚长", "的脚", "码表", "能穿吗", "能穿不", "能穿么", "穿得下", "穿不下", "偏瘦", "偏胖", "偏肥", "多高", "高个", "腿粗", "腿长", "肚子", "有点肉", "肉肉", "medium", "large", "small", "too big", "too tight", "tight", "loose", "尺码", "码数", "码", "尺寸", "身高", "体重", "斤", "偏大", "偏小", "大小", "胸围", "腰围",
		"臀围", "xl", "衣长", "裤长", "袖长", "多大", "胖", "几岁", "两岁", "size", "lbs", "run small", "run big", "runs small",
		"runs big", "fit"},
		res: []*regexp.Regexp{regexp.MustCompile(`\d{3}\s*[/／]\s*\d{2,3}`), regexp.MustCompile(`\d米\d|\d\.\d米`), regexp.MustCompile(`(穿|拍)\s*[34]\d(码)?($|[^\d号])`), regexp.MustCompile(`\d'\s*\d`),
			regexp.MustCompile(`(^|[^a-z])(x{0,3}s|m|x{0,3}l|\dxl)($|[^a-z])`)}},
	{key: TopicQuality, words: []string{"音质", "效果", "油吗", "不粘", "粘锅", "纯银", "纯金", "足金", "镀金", "18k", "掉漆", "生锈", "重不重", "重吗", "轻吗", "油不油", "油腻", "甜", "咸", "辣", "香", "吃起来", "好用", "用多久", "耐用", "安全", "过敏", "刺激", "sturdy", "smell", "durable", "heavy", "safe", "什么料", "料的", "缩", "能用吗", "可以用吗", "肌", "油皮", "干皮", "防水", "专柜", "a货", "高仿", "假的", "加绒", "shrink", "waterproof", "fake", "authentic", "genuine", "质地", "成分", "静电", "透肉", "走光", "异味", "臭", "毛球", "耐磨", "结实", "保质期", "生产日期", "新鲜", "过期", "好吃", "口感", "甜不甜", "辣不辣", "起毛", "甲醛", "环保", "化纤", "涤纶", "聚酯", "羊毛", "羊绒", "牛皮", "皮的", "真的吗", "冷", "热", "闷", "勾丝", "开线", "脱线", "质感", "手感", "垂感", "亲肤", "leather", "real", "polyester", "wool", "质量", "正品", "真货", "假货", "材质", "面料", "料子", "纯棉", "棉", "起球", "掉色",
		"褪色", "透", "厚", "薄", "缩水", "味道", "异味", "真皮", "含量", "含绒", "凉快", "起皱", "皱", "机洗", "洗", "变形",
		"做工", "舒服", "扎", "保暖", "弹力", "弹性", "真丝", "质检", "耐穿", "掉毛", "软", "硬", "羽绒", "quality", "cotton",
		"material", "fabric", "stretch", "see through", "thick", "soft", "warm"}},
	{key: TopicStyle, words: []string{"logo", "图标", "字母", "圆头", "尖头", "方头", "单肩", "斜挎", "双肩", "手提", "silver", "gold", "colors", "带帽", "长裙", "短裙", "白的", "黑的", "纯白", "纯黑", "红的", "粉的", "版", "款式", "样式", "花纹", "cropped", "领", "袖", "印花", "条纹", "格子", "碎花", "蕾丝", "开叉", "收腰", "修身", "百搭", "配色", "风格", "复古", "韩版", "pocket", "sleeve", "hood", "collar", "pattern", "print", "颜色", "色", "款", "长袖", "短袖", "高腰", "直筒", "显瘦", "显胖", "显黑", "显白", "宽松",
		"版型", "拉链", "帽子", "口袋", "图案", "背面", "侧面", "color", "colour", "come in", "black", "white", "pink",
		"red", "blue", "green", "beige", "style"}},
	{key: TopicPrice, words: []string{"多少"}},                                         // "这件大衣多少": a bare 多少 no other rule explains
	{key: TopicHowTo, words: []string{"拍", "抢", "买", "order", "buy"}, askOnly: true}, // "可以帮朋友拍吗": buying, no other topic
}

// ruleTopic returns the first topic whose rule t matches, "" when none; asks is isQuestion(t).
func ruleTopic(t string, asks bool) string {
	han := hasHan(t)
	for _, r := range topicRules {
		if r.askOnly && !asks {
			continue
		}
		for _, w := range r.words {
			if strings.Contains(t, w) {
				return r.key
			}
		}
		for i, re := range r.res {
			if r.key == TopicSize && i == len(r.res)-1 && !han {
				continue // a lone s/m/l is a size only beside Chinese ("s还是m"), not in "i'm"
			}
			if re.MatchString(t) {
				return r.key
			}
		}
	}
	return ""
}

var (
	questionWords = []string{"?", "？", "吗", "么", "嘛", "呢", "多少", "几", "哪", "啥", "咋", "谁", "如何", "多重", "多高", "多长", "多宽", "多久", "多长时间", "什么时候", "啥时候", "有没有",
		"能不能", "可不可以", "是不是", "会不会", "还是", "求"}
	englishQuestion = regexp.MustCompile(`^(what|whats|what's|how|is|are|does|do|can|could|any|which|where|when|will|should|would|who|why)\b`)
	statementWords  = []string{"已拍", "拍了", "已下单", "下单了", "买了", "已买", "收到", "回购", "很", "挺", "好", "喜欢",
		"爱了", "太", "杠杠", "不错", "满意", "超", "真", "真的", "已关注", "没得说", "没话说", "绝了", "yyds", "love", "ordered", "bought", "got it", "cute", "nice"}
)

// isQuestion reports whether t asks something: a question word, an A不A form (好不好, 透不透), a
// trailing 没 (到了没), or an English question.
func isQuestion(t string) bool {
	for _, w := range questionWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	rs := []rune(t)
	for i := 0; i+2 < len(rs); i++ {
		if rs[i] == rs[i+2] && (rs[i+1] == '不' || rs[i+1] == '没') && unicode.Is(unicode.Han, rs[i]) {
			return true
		}
	}
	if strings.HasSuffix(t, "没") || strings.HasSuffix(t, "没有") {
		return true
	}
	return englishQuestion.MatchString(t)
}

// isStatement reports whether t, having no question marker, reads as a statement or a cheer.
func isStatement(t string) bool {
	for _, w := range statementWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

func hasHan(t string) bool {
	for _, r := range t {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
