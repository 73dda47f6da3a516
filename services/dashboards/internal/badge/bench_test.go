package badge

import (
	"testing"

	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
)

func BenchmarkRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Render("OGP commitment C01", "On track · Substantial", rag.Green, "en")
	}
}

func BenchmarkRenderCJK(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Render("承諾事項 C01", "有延誤風險 · 有限", rag.Amber, "zh-Hant")
	}
}
