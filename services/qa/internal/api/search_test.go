package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/kept-ogp/kept/services/qa/internal/questions"
)

func (e *harness) search(q string) []string {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/qa/search?q="+url.QueryEscape(q), "", nil).want(http.StatusOK)
	var out struct{ Questions []questions.View }
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		e.t.Fatal(err)
	}
	var texts []string
	for _, v := range out.Questions {
		texts = append(texts, v.Text)
	}
	slices.Sort(texts)
	return texts
}

// Search finds part of a Chinese word in a question or its answer, English
// and French words whatever their case and accents, and never hidden text.
func TestSearchQuestionsAndAnswers(t *testing.T) {
	e := setup(t)
	budget := e.ask("請問政府預算公開平台何時上線？")
	e.ask("When will the open data portal launch?")
	e.ask("Quand le développement du portail sera-t-il terminé ?")
	hidden := e.ask("這則含有個人資料的預算問題")
	ndc := e.token("ndc", editor("ndc"))
	e.do(http.MethodPost, base+"/"+budget.ID+"/answers", ndc, map[string]any{"text": map[string]string{"zh-Hant": "預計於明年第一季上線。", "en": "In the first quarter."}}).want(http.StatusOK)
	e.do(http.MethodPost, base+"/"+hidden.ID+"/hide", e.token("poc", poc), map[string]string{"reason": "個資"}).want(http.StatusOK)

	for q, want := range map[string][]string{
		"預算":            {"請問政府預算公開平台何時上線？"},
		"第一季":           {"請問政府預算公開平台何時上線？"}, // in the answer
		"quarter":       {"請問政府預算公開平台何時上線？"},
		"Portal":        {"When will the open data portal launch?"},
		"developpement": {"Quand le développement du portail sera-t-il terminé ?"},
		"個人資料":          nil, // hidden
		"預公":            nil,
	} {
		if got := e.search(q); !slices.Equal(got, want) {
			t.Errorf("search %q = %q, want %q", q, got, want)
		}
	}
	e.do(http.MethodGet, "/api/v1/qa/search?q=%3F%3F", "", nil).want(http.StatusUnprocessableEntity)
}
