package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// Document is one piece of evidence attached to a public update.
type Document struct {
	Date       time.Time
	Kind       string
	URL        string
	Title      upstream.Text
	Commitment string
	Item       string
	UpdateID   string
	Disputed   bool
}

type documentsData struct {
	Plan *upstream.Plan
	Docs []Document
	// Reports are the published report versions, newest first.
	Reports []upstream.ReportDocument
	// Periods are the reporting periods begun so far, newest first, for
	// links to their current drafts.
	Periods []upstream.ReportPeriod
	// HasReporting is false when no reporting service is deployed.
	HasReporting bool
}

// documents is the plan's repository: every evidence link of its public
// updates, newest first, with the open-data files beside them.
func (s *Server) documents(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Client.Plan(ctx, c.Param("plan"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ups, err := s.Client.Updates(ctx, p.Plan.ID, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	d := documentsData{Plan: p}
	for _, u := range ups {
		for _, e := range u.Evidence {
			d.Docs = append(d.Docs, Document{Date: published(u), Kind: e.Kind, URL: e.URL, Title: e.Title, Commitment: u.Commitment,
				Item: u.Item, UpdateID: u.ID, Disputed: u.State == "disputed"})
		}
	}
	sort.SliceStable(d.Docs, func(i, j int) bool { return d.Docs[i].Date.After(d.Docs[j].Date) })
	if d.Reports, err = s.Client.ReportDocuments(ctx, p.Plan.ID); err != nil && !errors.Is(err, upstream.ErrNotConfigured) {
		s.fail(c, err)
		return
	}
	d.HasReporting = err == nil
	if d.HasReporting {
		at := func(r upstream.ReportDocument) time.Time {
			if r.PublishedAt != nil {
				return *r.PublishedAt
			}
			return time.Time{}
		}
		sort.SliceStable(d.Reports, func(i, j int) bool { return at(d.Reports[i]).After(at(d.Reports[j])) })
		ps, err := s.Client.ReportPeriods(ctx, p.Plan.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		now := s.Now()
		for i := len(ps) - 1; i >= 0; i-- {
			if !ps[i].From.After(now) {
				d.Periods = append(d.Periods, ps[i])
			}
		}
	}
	pg := s.page(c, "", d)
	pg.Title = pg.T("docs.title")
	s.Render.Render(c, http.StatusOK, "documents", pg)
}
