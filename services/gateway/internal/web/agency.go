package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// LedItem is something an agency leads.
type LedItem struct {
	Plan       *upstream.Plan
	Commitment string
	Code       string
	Title      upstream.Text
	Deadline   upstream.Deadline
}

// Record is an agency's response record on public questions.
type Record struct {
	Questions, Answered, OnTime, Open, Late, DaysTotal int
}

// AverageDays is the mean days taken per answered question.
func (r Record) AverageDays() int {
	if r.Answered == 0 {
		return 0
	}
	return r.DaysTotal / r.Answered
}

type agencyData struct {
	Org       upstream.Org
	Langs     []string
	Items     []LedItem
	Record    Record
	Questions []QuestionRow
}

func (s *Server) agency(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Param("org")
	data, err := s.agencyData(ctx, code)
	if err != nil {
		s.fail(c, err)
		return
	}
	if data.Org.Code == "" {
		s.NotFound(c)
		return
	}
	pg := s.page(c, "", data)
	pg.Title = pg.Pick(data.Org.Name, data.Langs).Text
	if pg.Title == "" {
		pg.Title = code
	}
	s.Render.Render(c, http.StatusOK, "agency", pg)
}

func (s *Server) agencyData(ctx context.Context, code string) (*agencyData, error) {
	plans, err := s.Client.Plans(ctx)
	if err != nil {
		return nil, err
	}
	d := &agencyData{}
	now := s.Now()
	for _, ps := range plans {
		p, err := s.Client.Plan(ctx, ps.ID)
		if err != nil {
			return nil, err
		}
		for _, cm := range p.Commitments {
			leads := false
			take := func(os []upstream.Org, itemCode string, title upstream.Text, dl upstream.Deadline) {
				for _, o := range os {
					if o.Code == code {
						if d.Org.Code == "" {
							d.Org, d.Langs = o, p.Plan.Languages
						}
						leads = true
						d.Items = append(d.Items, LedItem{Plan: p, Commitment: cm.Code, Code: itemCode, Title: title, Deadline: dl})
						return
					}
				}
			}
			take(cm.LeadOrgs, cm.Code, cm.Title, upstream.Deadline{})
			for _, m := range cm.Milestones {
				take(m.LeadOrgs, m.Code, m.Title, m.Deadline)
				for _, in := range m.Indicators {
					take(in.LeadOrgs, in.Code, in.Title, in.Deadline)
				}
			}
			if !leads {
				continue
			}
			qs, err := s.Client.Questions(ctx, p.Plan.ID, cm.Code)
			if err != nil {
				continue // the record is partial rather than the page failing
			}
			for _, q := range qs {
				if !strings.EqualFold(q.Agency, code) || q.Hidden != nil {
					continue
				}
				d.Record.Questions++
				switch {
				case q.AnsweredAt != nil:
					d.Record.Answered++
					d.Record.DaysTotal += q.DaysTaken
					if q.OnTime != nil && *q.OnTime {
						d.Record.OnTime++
					}
				case q.Status == "late":
					d.Record.Late++
				default:
					d.Record.Open++
				}
				d.Questions = append(d.Questions, questionRow(q, now))
			}
		}
	}
	return d, nil
}
