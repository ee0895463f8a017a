package views

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/static"
)

// assetHash maps each embedded asset path to a short hash of its content, computed once.
var assetHash = func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.FS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
}()

// Asset returns the URL of an embedded asset with its content hash, e.g.
// Asset("css/app.css") → "/static/css/app.css?v=1a2b3c4d5e6f". A changed file gets a new URL,
// so browsers may cache each URL for a year.
func Asset(p string) string {
	if h, ok := assetHash[p]; ok {
		return "/static/" + p + "?v=" + h
	}
	return "/static/" + p
}

// staticAsset serves /static/<path> from the embedded files. With the matching ?v= hash the
// response is cacheable for a year (immutable); otherwise it must be revalidated by ETag.
func (s *Server) staticAsset(c *fiber.Ctx) error {
	p := path.Clean(strings.TrimPrefix(c.Params("*"), "/"))
	h, ok := assetHash[p]
	if !ok || strings.HasPrefix(p, ".") {
		return c.SendStatus(fiber.StatusNotFound)
	}
	b, err := static.FS.ReadFile(p)
	if err != nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	etag := `"` + h + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set("X-Content-Type-Options", "nosniff")
	if c.Query("v") == h {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.Send(b)
}
