// Package catalog owns a shop's products: titles, prices in fen, stock, tags, selling points and
// scripts (ClickHouse tables products and product_stock), their CSV/XLSX import and export, and
// the observer that applies `stock` events to them.
package catalog
