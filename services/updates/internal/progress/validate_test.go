package progress

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func validDraft() Draft {
	return Draft{
		Plan: "ca-nap6", Item: "C01.1.1", Period: "2026-06", Status: "substantial",
		Progress: Text{"en": "Strategic plan drafted.", "fr": "Plan stratégique rédigé."},
		Evidence: []Evidence{{URL: "https://www.rcmp-grc.gc.ca/en/plan", Title: Text{"en": "Plan"}, Kind: "publication"}},
	}
}

// fields returns the fields Validate complained about, or nil.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("Validate returned %T %v, want *InvalidError", err, err)
	}
	var out []string
	for _, f := range ie.Errors {
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDraftValidate(t *testing.T) {
	today := day("2026-07-15")
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	cases := []struct {
		name  string
		edit  func(d *Draft)
		due   string
		plan  *Plan
		today time.Time
		want  []string // fields in error; nil means valid
	}{
		{name: "valid", edit: func(d *Draft) {}},
		{name: "no evidence is fine", edit: func(d *Draft) { d.Evidence = nil }},
		{name: "plan and item required", edit: func(d *Draft) { d.Plan, d.Item = "", "" }, want: []string{"plan", "item"}},

		{name: "period December", edit: func(d *Draft) { d.Period = "2026-12" }},
		{name: "period one-digit month", edit: func(d *Draft) { d.Period = "2026-6" }, want: []string{"period"}},
		{name: "period month 13", edit: func(d *Draft) { d.Period = "2026-13" }, want: []string{"period"}},
		{name: "period month 00", edit: func(d *Draft) { d.Period = "2026-00" }, want: []string{"period"}},
		{name: "period with a day", edit: func(d *Draft) { d.Period = "2026-06-30" }, want: []string{"period"}},
		{name: "period as words", edit: func(d *Draft) { d.Period = "June 2026" }, want: []string{"period"}},
		{name: "period empty", edit: func(d *Draft) { d.Period = "" }, want: []string{"period"}},

		{name: "status not_started", edit: func(d *Draft) { d.Status = "not_started" }},
		{name: "status limited", edit: func(d *Draft) { d.Status = "limited" }},
		{name: "status complete", edit: func(d *Draft) { d.Status = "complete" }},
		{name: "status Canada's code", edit: func(d *Draft) { d.Status = "SP" }, want: []string{"status"}},
		{name: "status capitalised", edit: func(d *Draft) { d.Status = "Complete" }, want: []string{"status"}},
		{name: "status empty", edit: func(d *Draft) { d.Status = "" }, want: []string{"status"}},

		{name: "progress missing", edit: func(d *Draft) { d.Progress = nil }, want: []string{"progress"}},
		{name: "progress only spaces", edit: func(d *Draft) { d.Progress = Text{"en": "  \n", "fr": ""} }, want: []string{"progress"}},
		{name: "progress in one language is enough", edit: func(d *Draft) { d.Progress = Text{"fr": "Rédigé."} }},

		{name: "evidence http", edit: func(d *Draft) { d.Evidence[0].URL = "http://example.org/report.pdf" }},
		{name: "evidence ftp", edit: func(d *Draft) { d.Evidence[0].URL = "ftp://example.org/report.pdf" }, want: []string{"evidence[0].url"}},
		{name: "evidence javascript", edit: func(d *Draft) { d.Evidence[0].URL = "javascript:alert(1)" }, want: []string{"evidence[0].url"}},
		{name: "evidence relative", edit: func(d *Draft) { d.Evidence[0].URL = "/reports/1" }, want: []string{"evidence[0].url"}},
		{name: "evidence no host", edit: func(d *Draft) { d.Evidence[0].URL = "https://" }, want: []string{"evidence[0].url"}},
		{name: "evidence with markup", edit: func(d *Draft) { d.Evidence[0].URL = `https://example.org/"><script>alert(1)</script>` }, want: []string{"evidence[0].url"}},
		{name: "evidence with a space", edit: func(d *Draft) { d.Evidence[0].URL = "https://example.org/annual report.pdf" }, want: []string{"evidence[0].url"}},
		{name: "evidence kind unknown", edit: func(d *Draft) { d.Evidence[0].Kind = "tweet" }, want: []string{"evidence[0].kind"}},
		{name: "evidence kind empty", edit: func(d *Draft) { d.Evidence[0].Kind = "" }, want: []string{"evidence[0].kind"}},
		{name: "evidence kind minutes", edit: func(d *Draft) { d.Evidence[0].Kind = "minutes" }},
		{name: "evidence title missing", edit: func(d *Draft) { d.Evidence[0].Title = nil }, want: []string{"evidence[0].title"}},
		{name: "second evidence is named by its index", edit: func(d *Draft) {
			d.Evidence = append(d.Evidence, Evidence{URL: "mailto:x@example.org", Title: Text{"en": "Mail"}, Kind: "other"})
		}, want: []string{"evidence[1].url"}},
		{name: "50 evidence links", edit: func(d *Draft) { d.Evidence = slices.Repeat(d.Evidence, 50) }},
		{name: "51 evidence links", edit: func(d *Draft) { d.Evidence = slices.Repeat(d.Evidence, 51) }, want: []string{"evidence"}},

		{name: "language zh-Hant", edit: func(d *Draft) { d.Progress["zh-Hant"] = "已起草策略計畫。" }},
		{name: "language fr-CA", edit: func(d *Draft) { d.Progress["fr-CA"] = "Rédigé." }},
		{name: "language upper case is en", edit: func(d *Draft) { d.Progress = Text{"EN": "Drafted."} }},
		{name: "language upper case beside en", edit: func(d *Draft) { d.Progress["EN"] = "Drafted." }, want: []string{"progress.en"}},
		{name: "language with underscore", edit: func(d *Draft) { d.Progress["en_CA"] = "Drafted." }, want: []string{"progress"}},
		{name: "language as a word", edit: func(d *Draft) { d.Challenges = Text{"english": "None."} }, want: []string{"challenges"}},
		{name: "language tag in evidence title", edit: func(d *Draft) { d.Evidence[0].Title = Text{"": "Plan"} }, want: []string{"evidence[0].title"}},

		{name: "progress at the limit", edit: func(d *Draft) { d.Progress["en"] = long("a", MaxText) }},
		{name: "progress over the limit", edit: func(d *Draft) { d.Progress["en"] = long("a", MaxText+1) }, want: []string{"progress.en"}},
		{name: "Chinese counted in characters, not bytes", edit: func(d *Draft) { d.Progress["zh-Hant"] = long("進", MaxText) }},
		{name: "Chinese over the limit", edit: func(d *Draft) { d.Progress["zh-Hant"] = long("進", MaxText+1) }, want: []string{"progress.zh-Hant"}},
		{name: "next steps over the limit", edit: func(d *Draft) { d.NextSteps = Text{"fr": long("é", MaxText+1)} }, want: []string{"next_steps.fr"}},
		{name: "evidence title at the limit in Chinese", edit: func(d *Draft) { d.Evidence[0].Title = Text{"zh-Hant": long("計", MaxTitle)} }},
		{name: "evidence title over the limit", edit: func(d *Draft) { d.Evidence[0].Title = Text{"zh-Hant": long("計", MaxTitle+1)} }, want: []string{"evidence[0].title.zh-Hant"}},
		{name: "invalid UTF-8", edit: func(d *Draft) { d.Progress["en"] = "bad \xff byte" }, want: []string{"progress.en"}},

		{name: "late and not complete needs a reason", due: "2026-06-30", edit: func(d *Draft) { d.Status = "limited" }, want: []string{"delay_reason"}},
		{name: "late with a reason", due: "2026-06-30", edit: func(d *Draft) { d.DelayReason = Text{"en": "Consultation postponed."} }},
		{name: "late with a blank reason", due: "2026-06-30", edit: func(d *Draft) { d.DelayReason = Text{"en": " "} }, want: []string{"delay_reason"}},
		{name: "late but complete", due: "2026-06-30", edit: func(d *Draft) { d.Status = "complete" }},
		{name: "due yesterday is late", due: "2026-07-14", edit: func(d *Draft) {}, want: []string{"delay_reason"}},
		{name: "due today is not late", due: "2026-07-15", edit: func(d *Draft) { d.Status = "not_started" }},
		{name: "due today, late in the evening, is not late", due: "2026-07-15", today: day("2026-07-15").Add(23*time.Hour + 59*time.Minute), edit: func(d *Draft) {}},
		{name: "due later", due: "2027-12-31", edit: func(d *Draft) { d.Status = "not_started" }},
		{name: "no single due date is never late", due: "", edit: func(d *Draft) { d.Status = "not_started" }},
		{name: "plan: valid", plan: canada(), edit: func(d *Draft) {}},
		{name: "plan: language not in the plan", plan: canada(), edit: func(d *Draft) { d.Progress["de"] = "Entwurf." }, want: []string{"progress.de"}},
		{name: "plan: nonsense language", plan: canada(), edit: func(d *Draft) { d.Progress = Text{"zz": "x"} }, want: []string{"progress.zz"}},
		{name: "plan: challenges in another language", plan: canada(), edit: func(d *Draft) { d.Challenges = Text{"zh-Hant": "無"} }, want: []string{"challenges.zh-Hant"}},
		{name: "plan: evidence title in another language", plan: canada(), edit: func(d *Draft) { d.Evidence[0].Title = Text{"de": "Plan"} }, want: []string{"evidence[0].title.de"}},
		{name: "plan: upper case", plan: canada(), edit: func(d *Draft) { d.Progress = Text{"EN": "Drafted.", "Fr": "Rédigé."} }},
		{name: "plan: regional variant", plan: canada(), edit: func(d *Draft) { d.Progress = Text{"en-CA": "Drafted.", "FR-ca": "Rédigé."} }},
		{name: "plan: regional variant beside the language", plan: canada(), edit: func(d *Draft) { d.Progress["en-CA"] = "Drafted." }, want: []string{"progress.en-CA"}},
		{name: "plan: a language narrower than the plan's is not it", plan: taiwan(), edit: func(d *Draft) { d.Progress = Text{"zh": "草擬"} }, want: []string{"progress.zh"}},
		{name: "plan: another script is not it", plan: taiwan(), edit: func(d *Draft) { d.Progress = Text{"zh-Hans": "草拟"} }, want: []string{"progress.zh-Hans"}},
		{name: "plan: a region under the plan's script", plan: taiwan(), edit: func(d *Draft) { d.Progress = Text{"zh-hant-TW": "草擬"} }},
		{name: "plan: first month", plan: canada(), edit: func(d *Draft) { d.Period = "2025-01" }},
		{name: "plan: last month", plan: canada(), edit: func(d *Draft) { d.Period = "2029-12" }},
		{name: "plan: month before", plan: canada(), edit: func(d *Draft) { d.Period = "2024-12" }, want: []string{"period"}},
		{name: "plan: month after", plan: canada(), edit: func(d *Draft) { d.Period = "2030-01" }, want: []string{"period"}},
		{name: "plan: long before", plan: canada(), edit: func(d *Draft) { d.Period = "1999-06" }, want: []string{"period"}},
		{name: "plan: malformed period said once", plan: canada(), edit: func(d *Draft) { d.Period = "2040" }, want: []string{"period"}},
		{name: "plan without dates: period not checked", plan: &Plan{ID: "x", Languages: []string{"en", "fr"}}, edit: func(d *Draft) { d.Period = "1999-06" }},
		{name: "plan not known: any month, any language", edit: func(d *Draft) { d.Period = "1999-06"; d.Progress["de"] = "Entwurf." }},
		{name: "every problem is listed at once", edit: func(d *Draft) {
			d.Period, d.Status, d.Evidence[0].URL, d.Evidence[0].Kind = "2026", "done", "ftp://x", "blog"
		}, want: []string{"period", "status", "evidence[0].url", "evidence[0].kind"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDraft()
			tc.edit(&d)
			now := today
			if !tc.today.IsZero() {
				now = tc.today
			}
			got := fields(t, d.Validate(tc.due, tc.plan, now))
			if !slices.Equal(got, tc.want) {
				t.Errorf("fields in error = %v, want %v", got, tc.want)
			}
		})
	}
}

func canada() *Plan {
	return &Plan{ID: "ca-nap6", Languages: []string{"en", "fr"}, Start: "2025-01", End: "2029-12"}
}

func taiwan() *Plan {
	return &Plan{ID: "tw-nap3", Languages: []string{"en", "zh-Hant"}, Start: "2025-01", End: "2028-12"}
}

// messages returns the field errors of err as "field: message".
func messages(t *testing.T, err error) []string {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("Validate returned %T %v, want *InvalidError", err, err)
	}
	var out []string
	for _, f := range ie.Errors {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func TestPlanMessagesNameTheFieldAndTheValue(t *testing.T) {
	today := day("2026-07-15")
	cases := []struct {
		edit func(d *Draft)
		want []string
	}{
		{func(d *Draft) { d.Progress["de"] = "Entwurf." }, []string{`progress.de: "de" is not a language of plan ca-nap6 (en, fr)`}},
		{func(d *Draft) { d.Progress = Text{"zz": "x"} }, []string{`progress.zz: "zz" is not a language of plan ca-nap6 (en, fr)`}},
		{func(d *Draft) { d.Period = "2040-12" }, []string{`period: 2040-12 is outside plan ca-nap6 (2025-01 to 2029-12)`}},
		{func(d *Draft) { d.Period = "1999-06" }, []string{`period: 1999-06 is outside plan ca-nap6 (2025-01 to 2029-12)`}},
		{func(d *Draft) { d.Progress["EN"] = "Drafted." }, []string{`progress.en: "EN" and "en" are both stored as en; give the text once`}},
		{func(d *Draft) { d.Progress["en-CA"] = "Drafted." }, []string{`progress.en-CA: "en" and "en-CA" are both stored as en; give the text once`}},
	}
	for _, tc := range cases {
		d := validDraft()
		tc.edit(&d)
		if got := messages(t, d.Validate("", canada(), today)); !slices.Equal(got, tc.want) {
			t.Errorf("errors = %q, want %q", got, tc.want)
		}
	}
}

// Tags are stored as the plan spells them; while the plan is not known, in
// BCP 47's conventional case.
func TestTagsAreStoredInThePlansSpelling(t *testing.T) {
	today := day("2026-07-15")
	cases := []struct {
		plan *Plan
		in   Text
		want Text
	}{
		{canada(), Text{"EN": "a", "fr": "b"}, Text{"en": "a", "fr": "b"}},
		{canada(), Text{"EN-us": "a", "fr-CA": "b"}, Text{"en": "a", "fr": "b"}},
		{taiwan(), Text{"zh-hant": "a"}, Text{"zh-Hant": "a"}},
		{taiwan(), Text{"ZH-HANT-tw": "a"}, Text{"zh-Hant": "a"}},
		{&Plan{ID: "x", Languages: []string{"en", "en-CA"}}, Text{"EN-ca": "a", "en-GB": "b"}, Text{"en-CA": "a", "en": "b"}},
		{nil, Text{"EN-us": "a", "zh-hant-tw": "b", "FR": "c", "de-1996": "d"}, Text{"en-US": "a", "zh-Hant-TW": "b", "fr": "c", "de-1996": "d"}},
	}
	for _, tc := range cases {
		d := validDraft()
		d.Progress, d.Challenges = maps.Clone(tc.in), maps.Clone(tc.in)
		d.Evidence[0].Title = maps.Clone(tc.in)
		if err := d.Validate("", tc.plan, today); err != nil {
			t.Errorf("%v: %v", tc.in, err)
			continue
		}
		for name, got := range map[string]Text{"progress": d.Progress, "challenges": d.Challenges, "evidence title": d.Evidence[0].Title} {
			if !maps.Equal(got, tc.want) {
				t.Errorf("%s %v stored as %v, want %v", name, tc.in, got, tc.want)
			}
		}
	}
	d := validDraft()
	if err := d.Validate("", canada(), today); err != nil || d.DelayReason != nil || d.NextSteps != nil {
		t.Errorf("absent texts: %v, delay_reason %v, next_steps %v; want them left nil", err, d.DelayReason, d.NextSteps)
	}
}

func TestDelayReasonMessageNamesTheDueDate(t *testing.T) {
	d := validDraft()
	err := d.Validate("2026-06-30", nil, day("2026-07-01"))
	if err == nil || !strings.Contains(err.Error(), "2026-06-30") {
		t.Errorf("Validate = %v, want the due date named", err)
	}
}

// Control characters (NUL, escape sequences) are refused with where they are;
// line breaks and tabs are fine.
func TestControlCharactersAreRefused(t *testing.T) {
	d := Draft{Plan: "p", Item: "i", Period: "2026-06", Status: "limited", Progress: Text{"en": "a\u0000b\u001b[31m"}}
	err := d.Validate("", nil, time.Now())
	var ie *InvalidError
	if !errors.As(err, &ie) || !strings.Contains(ie.Error(), "progress.en: contains the control character U+0000 at character 2") {
		t.Fatalf("err = %v", err)
	}
	d.Progress = Text{"en": "line one\nline two\ttabbed\r\n"}
	if err := d.Validate("", nil, time.Now()); err != nil {
		t.Fatalf("line breaks and tabs refused: %v", err)
	}
}
