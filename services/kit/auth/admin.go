package auth

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/httpserver"
)

// AdminRoutes mounts the token admin API on g; every route needs an admin token.
func AdminRoutes(g *gin.RouterGroup, s *Store) {
	g.Use(Authenticate(s), RequireAny(KindAdmin))
	g.GET("/tokens", func(c *gin.Context) {
		ts, err := s.List(c.Request.Context())
		if err != nil {
			abort(c, http.StatusInternalServerError, "internal", "cannot list tokens")
			return
		}
		if ts == nil {
			ts = []Token{}
		}
		c.JSON(http.StatusOK, gin.H{"tokens": ts})
	})
	g.POST("/tokens", func(c *gin.Context) {
		var req struct {
			Name  string `json:"name"`
			Roles []Role `json:"roles"`
		}
		if !httpserver.BindJSON(c, &req, `{"name":"...","roles":[{"kind":"agency_editor","org":"rcmp-grc"}]}`) {
			return
		}
		t, secret, err := s.Create(c.Request.Context(), req.Name, FromContext(c).Name, req.Roles)
		if err != nil {
			abort(c, http.StatusUnprocessableEntity, "invalid_token_request", err.Error())
			return
		}
		c.JSON(http.StatusCreated, gin.H{"token": t, "secret": secret})
	})
	g.DELETE("/tokens/:id", func(c *gin.Context) {
		if err := s.Revoke(c.Request.Context(), c.Param("id")); err != nil {
			abort(c, http.StatusNotFound, "not_found", err.Error())
			return
		}
		c.Status(http.StatusNoContent)
	})
}
