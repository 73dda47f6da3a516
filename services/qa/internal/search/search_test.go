package search

import (
	"slices"
	"testing"
)

func TestQueriesFindPartialChineseWordsAndWholeLatinWords(t *testing.T) {
	docs := map[string][]string{
		"budget": {"請問政府預算公開平台何時上線？", "預計於明年第一季上線。"},
		"police": {"When will the RCMP publish its transparency plan?"},
		"french": {"Quand le plan de développement sera-t-il publié ?"},
		"wide":   {"ＯＰＥＮ　ＤＡＴＡ 開放資料"},
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"預算", []string{"budget"}},  // a word inside a sentence
		{"算公開", []string{"budget"}}, // across a word boundary, still contiguous
		{"預", []string{"budget"}},   // one character
		{"第一季", []string{"budget"}}, // found in the answer
		{"公預", nil},                 // both characters present, never together
		{"transparency", []string{"police"}},
		{"RCMP plan", []string{"police"}}, // every word, any order
		{"Transparency", []string{"police"}},
		{"developpement", []string{"french"}}, // accents folded
		{"Développement", []string{"french"}},
		{"open data", []string{"wide"}}, // full-width letters folded
		{"開放", []string{"wide"}},
		{"plan", []string{"french", "police"}},
		{"transpar", nil}, // Latin words are whole words
	}
	for _, c := range cases {
		q := Parse(c.query)
		var got []string
		for name, texts := range docs {
			terms := Terms(texts...)
			indexed := true
			for _, term := range q.Terms {
				if !slices.Contains(terms, term) {
					indexed = false
				}
			}
			if indexed && q.Matches(texts...) {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("query %q found %v, want %v", c.query, got, c.want)
		}
	}
}

func TestEmptyQueries(t *testing.T) {
	for _, q := range []string{"", "   ", "？！…", "--"} {
		if !Parse(q).Empty() {
			t.Errorf("%q has terms %v", q, Parse(q).Terms)
		}
	}
}
