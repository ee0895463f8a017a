package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// openapiYAML is the API's OpenAPI 3 document. Tests validate real responses against it
// (kin-openapi), so it cannot drift from the handlers.
//
//go:embed openapi.yaml
var openapiYAML []byte

var (
	docOnce sync.Once
	docJSON []byte
	docErr  error
)

// Document returns the OpenAPI document, loaded and validated once.
func Document() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	return doc, nil
}

// openAPI is GET /openapi.json: the document as JSON, for anyone (it holds no shop's data).
func (s *Server) openAPI(c *fiber.Ctx) error {
	docOnce.Do(func() {
		doc, err := Document()
		if err != nil {
			docErr = err
			return
		}
		docJSON, docErr = json.Marshal(doc)
	})
	if docErr != nil {
		return s.reply(c, docErr)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(docJSON)
}
