package api_test

import (
	"context"
	"testing"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/leads"
)

func TestLeadsApplyByVersion(t *testing.T) {
	ctx := context.Background()
	st := leads.New(newDB(t, "leads"))
	apply := func(version int64, orgs ...string) {
		t.Helper()
		c := &eventsv1.CommitmentUpserted{PlanId: "p", Code: "C01"}
		for _, o := range orgs {
			c.LeadOrgs = append(c.LeadOrgs, &eventsv1.Organisation{Code: o})
		}
		env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "p/C01", version)
		env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
		if err := st.Apply(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	apply(2, "a", "b")
	apply(1, "old") // late redelivery: ignored
	apply(2, "a", "b")
	c, err := st.Get(ctx, "p", "C01")
	if err != nil || c.LeadOrgs[0] != "a" || c.Version != 2 {
		t.Fatalf("%+v, %v", c, err)
	}
	plan := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "p", 3)
	plan.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "p", CommitmentCodes: []string{"C02"}}}
	if err := st.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "p", "C01"); err != leads.ErrNotFound {
		t.Fatalf("removed commitment: %v", err)
	}
}
