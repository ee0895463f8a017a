package views

import "github.com/livedesk/livedesk/jobs"

// paramLabel is a job parameter's label in the page language.
func paramLabel(p Page, prm jobs.Param) string {
	if p.Lang == LangEN && prm.LabelEn != "" {
		return prm.LabelEn
	}
	return prm.Label
}

// paramSize is the input width for a parameter.
func paramSize(prm jobs.Param) string {
	if prm.Kind == "list" {
		return "48"
	}
	return "6"
}
