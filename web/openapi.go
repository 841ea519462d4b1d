package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the API's OpenAPI 3 description, written by hand.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIHandler serves the OpenAPI document, after checking once that it
// is valid JSON.
func openAPIHandler() (echo.HandlerFunc, error) {
	if !json.Valid(openAPIDocument) {
		return nil, fmt.Errorf("web: openapi.json is not valid JSON")
	}
	return func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
	}, nil
}
