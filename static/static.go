// Package static holds the browser assets — CSS, the page scripts and vendored libraries — embedded
// into the binary. views serves them under /static/ with a content hash in the URL so they can be
// cached for a year; nothing is loaded from a CDN.
//
// Vendored libraries (from the npm registry, dist files copied unchanged):
//
//	vendor/uplot/  uPlot 1.6.32 (MIT) — uPlot.iife.min.js, uPlot.min.css
package static

import "embed"

// FS is every asset, by path relative to this directory (e.g. "css/app.css").
//
//go:embed css js vendor img
var FS embed.FS
