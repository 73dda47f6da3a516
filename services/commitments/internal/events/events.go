// Package events turns the commitments service's changes into the events other
// services build their read models from.
package events

import (
	"context"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Stream is the commitments service's stream; Producer names it in envelopes.
const (
	Stream             = "kept:commitments"
	Producer           = "commitments"
	TypePlanUpserted   = "commitments.plan.upserted"
	TypeCommitUpserted = "commitments.commitment.upserted"
)

// ForPlan returns the events describing the whole plan at version: the plan
// itself, then each commitment (an aggregate of its own, "plan/code").
func ForPlan(ctx context.Context, p catalog.Plan, revision, version int64) []*eventsv1.Envelope {
	codes := make([]string, 0, len(p.Commitments))
	for _, c := range p.Commitments {
		codes = append(codes, c.Code)
	}
	env := stream.NewEnvelope(ctx, Producer, TypePlanUpserted, p.ID, version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{
		PlanId: p.ID, Title: text(p.Title), Start: p.Start, End: p.End, Languages: p.Languages,
		CommitmentCodes: codes, Revision: revision,
	}}
	out := []*eventsv1.Envelope{env}
	for _, c := range p.Commitments {
		e := stream.NewEnvelope(ctx, Producer, TypeCommitUpserted, p.ID+"/"+c.Code, version)
		e.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: commitment(p.ID, c, revision)}
		out = append(out, e)
	}
	return out
}

func commitment(plan string, c catalog.Commitment, revision int64) *eventsv1.CommitmentUpserted {
	out := &eventsv1.CommitmentUpserted{PlanId: plan, Code: c.Code, Title: text(c.Title), LeadOrgs: orgs(c.LeadOrgs), Revision: revision}
	for _, m := range c.Milestones {
		pm := &eventsv1.Milestone{Code: m.Code, Title: text(m.Title), Deadline: deadline(m.Deadline), LeadOrgs: orgs(m.LeadOrgs)}
		for _, i := range m.Indicators {
			pm.Indicators = append(pm.Indicators, &eventsv1.Indicator{Code: i.Code, Title: text(i.Title), Deadline: deadline(i.Deadline), LeadOrgs: orgs(i.LeadOrgs)})
		}
		out.Milestones = append(out.Milestones, pm)
	}
	return out
}

func text(t catalog.Text) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: t}
}

func orgs(in []catalog.Org) []*eventsv1.Organisation {
	out := make([]*eventsv1.Organisation, 0, len(in))
	for _, o := range in {
		out = append(out, &eventsv1.Organisation{Code: o.Code, Name: text(o.Name)})
	}
	return out
}

var kinds = map[string]eventsv1.Deadline_Kind{
	"date": eventsv1.Deadline_KIND_DATE, "recurring": eventsv1.Deadline_KIND_RECURRING,
	"unreadable": eventsv1.Deadline_KIND_UNREADABLE, "none": eventsv1.Deadline_KIND_NONE,
}

var precisions = map[string]eventsv1.Deadline_Precision{
	"day": eventsv1.Deadline_PRECISION_DAY, "month": eventsv1.Deadline_PRECISION_MONTH,
	"season": eventsv1.Deadline_PRECISION_SEASON, "year": eventsv1.Deadline_PRECISION_YEAR,
}

func deadline(d catalog.Deadline) *eventsv1.Deadline {
	return &eventsv1.Deadline{Original: text(d.Original), Kind: kinds[d.Kind], DueDate: d.Due,
		Precision: precisions[d.Precision], Approximate: d.Approximate, Source: d.Source, Note: d.Note,
		UntilYear: int32(d.UntilYear)}
}
