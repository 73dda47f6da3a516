// Package openapi embeds the OpenAPI 3 description of kept's public JSON API,
// served by the gateway at /openapi.yaml.
package openapi

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Spec is the description.
//
//go:embed openapi.yaml
var Spec []byte

// Serve answers GET /openapi.yaml.
func Serve(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", Spec)
}
