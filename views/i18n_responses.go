package views

// The flags' suggested responses come from the engine in Chinese (they become the anchor's cue);
// the control room labels their buttons in the page's language by key.
func init() {
	AddStrings(LangEN, map[string]string{
		"js.response.pitch":   "Change the pitch",
		"js.response.gift":    "Add a gift: order now and get…",
		"js.response.next":    "Next product",
		"js.response.check":   "Check price and stock",
		"js.response.ads":     "Check the ad plan and bids",
		"js.response.restock": "Stock is short: remind to restock",
	})
}
