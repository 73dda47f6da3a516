package httpserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// BindJSON decodes the request body into v, or answers 400 (413 when the
// body is over the route's limit) with a message naming the field at fault,
// in the API's terms rather than Go's, and returns false.
func BindJSON(c *gin.Context, v any, shape string) bool {
	err := c.ShouldBindJSON(v)
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		Error(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is over the limit of %d bytes", tooBig.Limit))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the body"
		}
		Error(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("%s must be %s, not a JSON %s; the body is %s", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value, shape))
	case errors.As(err, &syntaxErr):
		Error(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("the body is not valid JSON (at byte %d); it should be %s", syntaxErr.Offset, shape))
	default:
		Error(c, http.StatusBadRequest, "bad_request", "the body should be "+shape)
	}
	return false
}

func jsonKind(goKind string) string {
	switch {
	case goKind == "map" || goKind == "struct":
		return "an object (for texts: {\"en\": \"...\", \"fr\": \"...\"})"
	case goKind == "slice" || goKind == "array":
		return "a list"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "float") || strings.HasPrefix(goKind, "uint"):
		return "a number"
	}
	return "another type"
}
