package web

import (
	"context"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// Hit is one search result.
type Hit struct {
	Kind  string
	URL   string
	Title upstream.Text
	Text  string // a plain excerpt (questions are single-language)
	Langs []string
}

type searchData struct {
	Q    string
	Hits []Hit
}

// matches is a folded substring test: it finds part of a Chinese word as
// readily as part of an English one, since Chinese is not split into words,
// and ignores case, accents and full-width forms (q is folded already).
func matches(q string, texts ...string) bool {
	for _, t := range texts {
		if strings.Contains(fold(t), q) {
			return true
		}
	}
	return false
}

// fold is NFKD without combining marks, lower-cased: "Développement" and
// "ＤＥＶＥＬＯＰＰＥＭＥＮＴ" both become "developpement".
func fold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func textValues(t upstream.Text) []string {
	out := make([]string, 0, len(t))
	for _, v := range t {
		out = append(out, v)
	}
	return out
}

func (s *Server) search(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	data := searchData{Q: q}
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200])
	}
	if q != "" {
		hits, err := s.find(c.Request.Context(), q)
		if err != nil {
			s.fail(c, err)
			return
		}
		data.Hits = hits
	}
	pg := s.page(c, "", data)
	pg.Title = pg.T("search.title")
	s.Render.Render(c, http.StatusOK, "search", pg)
}

func (s *Server) find(ctx context.Context, raw string) ([]Hit, error) {
	q := fold(raw)
	plans, err := s.Client.Plans(ctx)
	if err != nil {
		return nil, err
	}
	var hits []Hit
	for _, ps := range plans {
		p, err := s.Client.Plan(ctx, ps.ID)
		if err != nil {
			return nil, err
		}
		langs := p.Plan.Languages
		base := "/plans/" + p.Plan.ID
		if matches(q, append(textValues(p.Plan.Title), p.Plan.ID)...) {
			hits = append(hits, Hit{Kind: "plan", URL: base, Title: p.Plan.Title, Langs: langs})
		}
		for _, cm := range p.Commitments {
			curl := base + "/commitments/" + cm.Code
			if matches(q, append(textValues(cm.Title), strings.ToLower(cm.Code))...) {
				hits = append(hits, Hit{Kind: "commitment", URL: curl, Title: cm.Title, Langs: langs})
			}
			for _, m := range cm.Milestones {
				if matches(q, append(textValues(m.Title), strings.ToLower(m.Code))...) {
					hits = append(hits, Hit{Kind: "item", URL: curl + "#item-" + m.Code, Title: m.Title, Langs: langs})
				}
				for _, in := range m.Indicators {
					if matches(q, append(textValues(in.Title), strings.ToLower(in.Code))...) {
						hits = append(hits, Hit{Kind: "item", URL: curl + "#item-" + in.Code, Title: in.Title, Langs: langs})
					}
				}
			}
		}
		// Questions: qa's own search covers answers and follow-ups too. A
		// query qa cannot search (only punctuation) finds no question.
		titles := map[string]upstream.Text{}
		for _, cm := range p.Commitments {
			titles[cm.Code] = cm.Title
		}
		if qs, err := s.Client.SearchQuestions(ctx, raw, p.Plan.ID); err == nil {
			for _, qu := range qs {
				if qu.Hidden == nil {
					hits = append(hits, Hit{Kind: "question", URL: base + "/commitments/" + qu.Commitment + "#q-" + qu.ID,
						Text: qu.Text, Title: titles[qu.Commitment], Langs: langs})
				}
			}
		}
		ups, err := s.Client.Updates(ctx, p.Plan.ID, "")
		if err != nil {
			return nil, err
		}
		for _, u := range ups {
			all := append(append(append(textValues(u.Progress), textValues(u.NextSteps)...), textValues(u.DelayReason)...), textValues(u.Challenges)...)
			if matches(q, all...) {
				hits = append(hits, Hit{Kind: "update", URL: base + "/commitments/" + u.Commitment + "#u-" + u.ID, Title: u.Progress, Langs: langs})
			}
		}
	}
	return hits, nil
}
