package stage

import (
	"context"

	"github.com/livedesk/livedesk"
)

// localize writes the stage's money texts (product and list price, flash-sale price) in shop's
// currency from their integer amounts (minor units). Every stage read (loadStage) and every
// store and publish goes through it, so the prompter and the control room show the shop's
// currency even for stages stored before the shop chose one. Without Actions.Currency: CNY.
func (a *Actions) localize(ctx context.Context, shop string, st *Stage) {
	cur := livedesk.CurrencyOf("")
	if a.Currency != nil {
		cur = a.Currency(ctx, shop)
	}
	if p := st.Product; p != nil {
		p.PriceText = cur.Format(p.Price)
		p.ListPriceText = ""
		if p.ListPrice > 0 {
			p.ListPriceText = cur.Format(p.ListPrice)
		}
	}
	if fs := st.FlashSale; fs != nil {
		fs.PriceText = cur.Format(fs.Price)
	}
}
