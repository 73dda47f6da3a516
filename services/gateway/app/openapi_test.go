package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"

	"github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/gateway/internal/openapi"
)

// check validates v against s (type, required, properties, items, enum,
// $ref), naming the path of the first mismatch.
func check(spec map[string]any, s map[string]any, v any, at string) error {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return check(spec, spec["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any), v, at)
	}
	if v == nil && s["nullable"] == true {
		return nil
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", at, v)
		}
		for _, r := range asList(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				return fmt.Errorf("%s: required %q missing", at, r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, val := range m {
			if ps, ok := props[k].(map[string]any); ok {
				if err := check(spec, ps, val, at+"."+k); err != nil {
					return err
				}
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				if err := check(spec, ap, val, at+"."+k); err != nil {
					return err
				}
			}
		}
	case "array":
		xs, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", at, v)
		}
		if it, ok := s["items"].(map[string]any); ok {
			for i, x := range xs {
				if err := check(spec, it, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: want a string, got %T", at, v)
		}
		if enum := asList(s["enum"]); len(enum) > 0 {
			found := false
			for _, e := range enum {
				found = found || e == str
			}
			if !found {
				return fmt.Errorf("%s: %q is not in %v", at, str, enum)
			}
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: want an integer, got %v", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: want a boolean, got %T", at, v)
		}
	}
	return nil
}

func asList(v any) []any { l, _ := v.([]any); return l }

// The description matches what the services answer through the gateway's
// proxy, for every GET route it lists; and every route of it is proxied to
// a service that serves it.
func TestOpenAPIDescribesTheProxiedAPI(t *testing.T) {
	var spec map[string]any
	if err := yaml.Unmarshal(openapi.Spec, &spec); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if spec["openapi"] != "3.0.3" {
		t.Errorf("openapi version %v", spec["openapi"])
	}
	set, err := app.LoadSettings(func(k string) string {
		return map[string]string{"GATEWAY_COMMITMENTS_URL": stack.base, "GATEWAY_UPDATES_URL": stack.base,
			"GATEWAY_DASHBOARDS_URL": stack.base, "GATEWAY_QA_URL": stack.base, "GATEWAY_REPORTING_URL": stack.base}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if !set.Proxy {
		t.Fatal("the proxy is not on by default")
	}
	gw, err := app.NewWith(t.Context(), stack.process.Deps(app.Name, "kept_gateway_proxy"), set)
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	gw.Routes(e)
	srv := httptest.NewServer(e)
	defer srv.Close()

	// A question and an update to fetch by id.
	b := newBrowser(t)
	cm := b.get("/plans/ca-nap6/commitments/C04?lang=en")
	b.post("/plans/ca-nap6/commitments/C04/questions", url.Values{"csrf": {cm.csrf(t)}, "text": {"OpenAPI check question"}, "language": {"en"}})
	var qs struct {
		Questions []struct{ ID string } `json:"questions"`
	}
	getJSON(t, "/api/v1/plans/ca-nap6/commitments/C04/questions", &qs)
	var ups struct {
		Updates []struct{ ID string } `json:"updates"`
	}
	getJSON(t, "/api/v1/updates?plan=ca-nap6", &ups)

	paths := spec["paths"].(map[string]any)
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	checked := 0
	for _, p := range keys {
		get, ok := paths[p].(map[string]any)["get"].(map[string]any)
		if !ok {
			continue
		}
		id := ""
		switch {
		case strings.Contains(p, "questions/{id}"):
			if len(qs.Questions) == 0 {
				t.Fatal("no question to fetch")
			}
			id = qs.Questions[0].ID
		case strings.Contains(p, "updates/{id}"):
			if len(ups.Updates) == 0 {
				continue // no agreed update in this run's order; covered by the list
			}
			id = ups.Updates[0].ID
		}
		path := strings.NewReplacer("{plan}", "ca-nap6", "{code}", "C04", "{id}", id).Replace(p)
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body any
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Errorf("GET %s through the proxy: %d %v", path, resp.StatusCode, err)
			continue
		}
		s := get["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		if err := check(spec, s, body, "GET "+p); err != nil {
			t.Error(err)
		}
		checked++
		// The 404 the description promises, in the error shape.
		if _, ok := get["responses"].(map[string]any)["404"]; ok && strings.Contains(p, "{plan}") {
			bad := strings.Replace(path, "ca-nap6", "no-such-plan", 1)
			r2, err := http.Get(srv.URL + bad)
			if err != nil {
				t.Fatal(err)
			}
			var eb any
			_ = json.NewDecoder(r2.Body).Decode(&eb)
			r2.Body.Close()
			if r2.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", bad, r2.StatusCode)
			} else if err := check(spec, map[string]any{"$ref": "#/components/schemas/Error"}, eb, "404 "+p); err != nil {
				t.Error(err)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d routes, want every GET route of the description", checked)
	}
	// /openapi.yaml is served as is.
	resp, err := http.Get(srv.URL + "/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") {
		t.Errorf("/openapi.yaml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The embed and badge go to the dashboards; an unknown API path is a JSON 404.
	for path, want := range map[string]int{"/embed/plans/ca-nap6?lang=en": 200, "/badge/plans/ca-nap6.svg": 200, "/api/v1/nothing": 404} {
		r, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("GET %s through the proxy: %d, want %d", path, r.StatusCode, want)
		}
	}
}
