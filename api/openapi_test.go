package api

import "testing"

func TestDocumentLoadsAndValidates(t *testing.T) {
	doc, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Paths.Map()) < 20 {
		t.Fatalf("only %d paths", len(doc.Paths.Map()))
	}
}
