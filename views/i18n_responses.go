package views

// responseEN is the English of the default rules' suggested responses (live/rules.go), keyed by
// their Chinese text: the engine keeps the Chinese (it becomes the anchor's cue), and the
// control room labels a response still worded so in the page's language. A response the
// operator wrote is shown as written.
var responseEN = map[string]string{
	"调整讲解话术":            "Change the pitch",
	"加赠：下单送…":           "Add a gift: order now and get…",
	"换下一款":              "Next product",
	"检查价格和库存":           "Check price and stock",
	"检查投放计划和出价":         "Check the ad plan and bids",
	"库存紧张，提醒补货":         "Stock is short: remind to restock",
	"库存快卖完了，提醒补货或准备下一款": "Selling out: restock or get the next product ready",
	"点击在下降：换个卖点讲":       "Clicks are falling: pitch another selling point",
	"很多人在问同一个问题，请集中回答":  "Many are asking the same question: answer it for everyone",
}
